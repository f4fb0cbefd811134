using Corrections.Data;
using Corrections.Pipeline;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Outbox;

public sealed record ListOutboxMessages(OutboxState State, int Page) : IQuery<OutboxMessagePage>;

public sealed record OutboxMessagePage(IReadOnlyList<OutboxMessageView> Items, int Page, int PageSize, int Total);

public sealed class ListOutboxMessagesHandler(CorrectionsDb db) : IQueryHandler<ListOutboxMessages, OutboxMessagePage>
{
    public const int PageSize = 50;

    public async ValueTask<OutboxMessagePage> Handle(ListOutboxMessages query, CancellationToken cancellationToken)
    {
        var rows = db.Outbox.AsNoTracking().Where(m => m.State == query.State);
        var total = await rows.CountAsync(cancellationToken);
        var page = await rows
            .OrderByDescending(m => m.Id)
            .Skip((query.Page - 1) * PageSize)
            .Take(PageSize)
            .ToListAsync(cancellationToken);
        return new OutboxMessagePage(page.Select(OutboxMessageView.From).ToList(), query.Page, PageSize, total);
    }
}

public static class ListOutboxMessagesEndpoint
{
    public static RouteHandlerBuilder MapListOutboxMessages(this IEndpointRouteBuilder routes) =>
        routes.MapGet("", ListAsync)
            .Produces<OutboxMessagePage>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

    /// <param name="state">parked (the default), pending or done</param>
    /// <param name="page">1 and up, newest messages first</param>
    private static async Task<IResult> ListAsync(string? state, string? page, IMediator mediator, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var parsedState = OutboxState.Parked;
        if (state is not null)
        {
            if (Enum.GetNames<OutboxState>().Contains(state, StringComparer.OrdinalIgnoreCase))
                parsedState = Enum.Parse<OutboxState>(state, ignoreCase: true);
            else
                errors.Add("state", "The state must be parked, pending or done.");
        }
        var parsedPage = 1;
        if (page is not null && (!int.TryParse(page, out parsedPage) || parsedPage < 1))
            errors.Add("page", "The page must be a whole number from 1.");
        if (errors.Any)
            return Results.ValidationProblem(errors.ToDictionary(), title: "The request is not valid.", detail: "See errors for what to change in each parameter.");

        return Results.Ok(await mediator.Send(new ListOutboxMessages(parsedState, parsedPage), cancellationToken));
    }
}
