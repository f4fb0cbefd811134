using Corrections.Features.Reports.Submit;
using Corrections.Pipeline;

namespace Corrections.Bench;

/// <summary>
/// The physical limit: Kestrel reading a report and parsing it with the service's own strict JSON reader, storing
/// nothing, and answering as the service does.
/// </summary>
public static class BareEndpoint
{
    public static WebApplication Build(string url)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.MapPost("/api/reports", async (HttpRequest request, CancellationToken cancellationToken) =>
        {
            // Read and parsed as the service does.
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(SubmitReportEndpoint.MaxBodyBytes + 1);
            var errors = new ValidationErrors();
            SubmitReport? command;
            try
            {
                var length = await SubmitReportEndpoint.ReadBodyAsync(request, buffer, cancellationToken);
                if (length > SubmitReportEndpoint.MaxBodyBytes)
                    return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
                command = SubmissionJson.Read(buffer.AsMemory(0, length), errors);
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }
            if (command is null)
                return Results.ValidationProblem(errors.ToDictionary());
            var id = Guid.CreateVersion7();
            return Results.Accepted($"/api/reports/{id}", new { id, status = "new" });
        });
        app.MapGet("/", () => "bare");
        return app;
    }
}
