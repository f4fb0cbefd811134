using System.Security.Claims;
using System.Text.Json;
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
        var admin = routes.MapGroup("/api/reports").RequireAuthorization(ApiKeyAuthenticationHandler.Policy);

        admin.MapGet("/", async (string? status, string? site, int? page, int? pageSize, IMediator mediator, CancellationToken cancellationToken) =>
        {
            ReportStatus? parsed = null;
            if (!string.IsNullOrEmpty(status))
            {
                if (!Enum.TryParse<ReportStatus>(status, ignoreCase: true, out var value) || !Enum.IsDefined(value) || char.IsDigit(status[0]))
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["The status must be one of new, fixed, rejected, duplicate, spam."] });
                parsed = value;
            }
            return Results.Ok(await mediator.Send(new ListReports(parsed, site, page ?? 1, pageSize ?? 50), cancellationToken));
        }).Produces<ReportPage>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status401Unauthorized);

        admin.MapGet("/{id:guid}", async (Guid id, IMediator mediator, CancellationToken cancellationToken) =>
            Results.Ok(await mediator.Send(new GetReport(id), cancellationToken)))
            .Produces<ReportDetails>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status401Unauthorized);

        admin.MapPost("/{id:guid}/triage", async (Guid id, TriageRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken cancellationToken) =>
        {
            if (!TriageActions.TryParse(request.Action, out var action))
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["action"] = ["The action must be one of fixed, reject, duplicate, spam, reopen, note."] });
            var outcome = await mediator.Send(new TriageReport(id, action, user.Identity!.Name!, TriageChannel.Api, request.Note, request.DuplicateOf), cancellationToken);
            return Results.Ok(new TriageResponse(outcome.ReportId, outcome.Status, outcome.Applied));
        }).Produces<TriageResponse>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status401Unauthorized);

        return routes;
    }
}
