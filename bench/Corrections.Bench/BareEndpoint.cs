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
            var (_, refused) = await ReadAsync(request, cancellationToken);
            if (refused is not null)
                return refused;
            var id = Guid.CreateVersion7();
            return Results.Accepted($"/api/reports/{id}", new { id, status = "new" });
        });
        app.MapGet("/", () => "bare");
        return app;
    }

    /// <summary>The report read and parsed as the service does, or the answer that refuses it.</summary>
    public static async Task<(SubmitReport? Command, IResult? Refused)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var (tooLarge, command) = await SubmitReportEndpoint.ReadSubmissionAsync(request, errors, cancellationToken);
        if (tooLarge)
            return (null, Results.StatusCode(StatusCodes.Status413PayloadTooLarge));
        return command is null ? (null, Results.ValidationProblem(errors.ToDictionary())) : (command, null);
    }
}
