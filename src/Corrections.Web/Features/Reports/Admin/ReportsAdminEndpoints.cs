using System.Globalization;
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

        admin.MapGet("/", ListAsync)
            .WithSummary("List reports, newest first, by status, site, desk and passage on the live page, a page at a time: pass a page's next as cursor for the one after")
            .Produces<ReportPage>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);

        admin.MapGet("/export", Export)
            .RequireRateLimiting(ExportsPerKey.Policy)
            .WithSummary("Export reports as CSV (default) or JSON, oldest first, written as they are read")
            .WithDescription("Filters by status, site, and creation time: from (inclusive) and to (exclusive), each an ISO 8601 date "
                + "(2026-11-01, midnight UTC) or date-time (2026-11-01T09:30:00Z, or with an offset such as +02:00, written %2B02:00 in a URL; "
                + "without an offset, UTC). "
                + $"At most {ExportsPerKey.AtOnce} exports run at once per API key; another gets 429 with Retry-After.")
            .Produces<IReadOnlyList<ReportExportRow>>().Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

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

    /// <param name="status">new, fixed, rejected, duplicate or spam</param>
    /// <param name="passage">found, not_found or unknown: what the service saw on the article</param>
    /// <param name="desk">the name of a desk (Sites:N:Desks:M:Name): only the reports routed to it</param>
    /// <param name="cursor">the previous page's next; left out for the first page</param>
    /// <param name="pageSize">1 to 200; 50 when left out</param>
    /// <param name="page">no longer accepted: follow next instead</param>
    private static async Task<IResult> ListAsync(
        string? status, string? site, string? desk, string? passage, string? cursor, string? pageSize, string? page, IMediator mediator, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsedStatus = ReadStatus(status, errors);
        var parsedPassage = ReadPassage(passage, errors);
        var after = ReportCursor.Decode(cursor, errors);
        var size = Paging.ReadPageSize(pageSize, errors);
        Paging.RefusePageNumber(page, errors);
        if (errors.Any)
            return Invalid(errors);
        return Results.Ok(await mediator.Send(new ListReports(parsedStatus, site, after, size, parsedPassage, desk), cancellationToken));
    }

    /// <param name="format">csv (the default) or json</param>
    /// <param name="status">new, fixed, rejected, duplicate or spam</param>
    /// <param name="desk">the name of a desk (Sites:N:Desks:M:Name): only the reports routed to it</param>
    /// <param name="from">reports made at or after this ISO 8601 date (midnight UTC) or date-time (UTC when it has no offset)</param>
    /// <param name="to">reports made before this ISO 8601 date or date-time: the end is exclusive</param>
    /// <param name="passage">found, not_found or unknown: what the service saw on the article</param>
    private static IResult Export(
        string? format, string? status, string? site, string? desk, string? from, string? to, string? passage, IMediator mediator, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsedStatus = ReadStatus(status, errors);
        var parsedPassage = ReadPassage(passage, errors);
        if (format is not (null or "csv" or "json"))
            errors.Add("format", "The format must be csv or json.");
        var start = ReadInstant(from, "from", errors);
        var end = ReadInstant(to, "to", errors);
        if (start >= end)
            errors.Add("to", $"The end (to, exclusive) must be after the start (from): {end:O} is not after {start:O}.");
        if (errors.Any)
            return Invalid(errors);
        var rows = mediator.CreateStream(new ExportReports(parsedStatus, site, start, end, parsedPassage, desk), cancellationToken);
        return format == "json"
            ? Results.Ok(rows)
            : Results.Stream(body => ReportCsv.WriteAsync(rows, body, cancellationToken), "text/csv; charset=utf-8", "reports.csv");
    }

    private static ReportStatus? ReadStatus(string? status, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(status))
            return null;
        if (Enum.TryParse<ReportStatus>(status, ignoreCase: true, out var value) && Enum.IsDefined(value) && !char.IsDigit(status[0]))
            return value;
        errors.Add("status", "The status must be one of new, fixed, rejected, duplicate, spam.");
        return null;
    }

    private static readonly string[] InstantFormats =
    [
        "yyyy-MM-dd",
        .. from time in new[] { "HH:mm", "HH:mm:ss", "HH:mm:ss.FFFFFFF" }
           from offset in new[] { "", "'Z'", "zzz" }
           select $"yyyy-MM-dd'T'{time}{offset}",
    ];

    /// <summary>An ISO 8601 date (midnight UTC) or date-time (UTC without an offset), in UTC.</summary>
    private static DateTimeOffset? ReadInstant(string? value, string parameter, ValidationErrors errors)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        // A '+' written unencoded in a query string arrives as a space; no ISO 8601 date-time has one.
        if (DateTimeOffset.TryParseExact(value.Replace(' ', '+'), InstantFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
            return instant;
        errors.Add(parameter, $"The parameter {parameter} must be an ISO 8601 date such as 2026-11-01 or date-time such as 2026-11-01T09:30:00Z "
            + "(write an offset's + as %2B in a URL).");
        return null;
    }

    private static PassageState? ReadPassage(string? passage, ValidationErrors errors)
    {
        switch (passage)
        {
            case null or "":
                return null;
            case "found":
                return PassageState.Found;
            case "not_found":
                return PassageState.NotFound;
            case "unknown":
                return PassageState.Unknown;
            default:
                errors.Add("passage", "The passage must be one of found, not_found, unknown.");
                return null;
        }
    }

    private static IResult Invalid(ValidationErrors errors) =>
        Results.ValidationProblem(errors.ToDictionary(), title: "The request is not valid.", detail: "See errors for what to change in each parameter.");
}
