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
            var errors = new ValidationErrors();
            var (tooLarge, command) = await SubmitReportEndpoint.ReadSubmissionAsync(request, errors, cancellationToken);
            if (tooLarge)
                return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            if (command is null)
                return Results.ValidationProblem(errors.ToDictionary());
            var id = Guid.CreateVersion7();
            return Results.Accepted($"/api/reports/{id}", new { id, status = "new" });
        });
        app.MapGet("/", () => "bare");
        return app;
    }
}
