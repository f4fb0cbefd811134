using System.Security.Claims;
using Corrections.Admin;
using Corrections.Data;
using Corrections.Features.Triage;
using Corrections.Pipeline;
using Mediator;

namespace Corrections.Features.Reports.Admin;

public sealed record TriageRequest(string? Action, string? Note, Guid? DuplicateOf);

public sealed record TriageResponse(Guid Id, ReportStatus Status, bool Applied);

public static class ReportsAdminEndpoints
{
    public static IEndpointRouteBuilder MapReportsAdmin(this IEndpointRouteBuilder routes)
    {
        var admin = routes.MapGroup("/api/reports").RequireAuthorization(ApiKeyAuthenticationHandler.Policy).WithTags("Admin: reports");

        admin.MapGet("/", async (string? status, string? site, int? page, int? pageSize, IMediator mediator, CancellationToken cancellationToken) =>
                TryParseStatus(status, out var parsed) is { } invalid
                    ? invalid
                    : Results.Ok(await mediator.Send(new ListReports(parsed, site, page ?? 1, pageSize ?? 50), cancellationToken)))
            .WithSummary("List reports, newest first, by status and site, a page at a time")
            .Produces<ReportPage>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);

        admin.MapGet("/export", async (string? format, string? status, string? site, IMediator mediator, CancellationToken cancellationToken) =>
            {
                if (TryParseStatus(status, out var parsed) is { } invalid)
                    return invalid;
                if (format is not (null or "csv" or "json"))
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["format"] = ["The format must be csv or json."] });
                var rows = await mediator.Send(new ExportReports(parsed, site), cancellationToken);
                return format == "json"
                    ? Results.Ok(rows)
                    : Results.File(System.Text.Encoding.UTF8.GetBytes(ReportCsv.Write(rows)), "text/csv; charset=utf-8", "reports.csv");
            })
            .WithSummary("Export reports as CSV (default) or JSON")
            .Produces<IReadOnlyList<ReportExportRow>>().Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);

        admin.MapGet("/stats", async (IMediator mediator, CancellationToken cancellationToken) =>
                Results.Ok(await mediator.Send(new GetReportStats(), cancellationToken)))
            .WithSummary("Reports per site and status, and the median time from report to fix")
            .Produces<ReportStats>().ProducesProblem(StatusCodes.Status401Unauthorized);

        admin.MapGet("/{id:guid}", async (Guid id, IMediator mediator, CancellationToken cancellationToken) =>
            Results.Ok(await mediator.Send(new GetReport(id), cancellationToken)))
            .WithSummary("One report with its history")
            .Produces<ReportDetails>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status401Unauthorized);

        admin.MapPost("/{id:guid}/triage", async (Guid id, TriageRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken cancellationToken) =>
        {
            if (!TriageActions.TryParse(request.Action, out var action))
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["action"] = ["The action must be one of fixed, reject, duplicate, spam, reopen, note."] });
            var outcome = await mediator.Send(new TriageReport(id, action, user.Identity!.Name!, TriageChannel.Api, request.Note, request.DuplicateOf), cancellationToken);
            return Results.Ok(new TriageResponse(outcome.ReportId, outcome.Status, outcome.Applied));
        }).WithSummary("Triage a report: fixed, reject, duplicate, spam, reopen, or note").Produces<TriageResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status401Unauthorized);

        return routes;
    }

    private static IResult? TryParseStatus(string? status, out ReportStatus? parsed)
    {
        parsed = null;
        if (string.IsNullOrEmpty(status))
            return null;
        if (!Enum.TryParse<ReportStatus>(status, ignoreCase: true, out var value) || !Enum.IsDefined(value) || char.IsDigit(status[0]))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["The status must be one of new, fixed, rejected, duplicate, spam."] });
        parsed = value;
        return null;
    }
}
