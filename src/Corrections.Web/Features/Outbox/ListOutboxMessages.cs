using System.Buffers.Binary;
using Corrections.Admin;
using Corrections.Data;
using Corrections.Pipeline;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Outbox;

/// <summary>Outbox messages in one state, newest first, from just after <paramref name="After"/>.</summary>
public sealed record ListOutboxMessages(OutboxState State, OutboxCursor? After, int PageSize) : IQuery<OutboxMessagePage>;

/// <param name="Next">The cursor of the following page; null on the last.</param>
public sealed record OutboxMessagePage(IReadOnlyList<OutboxMessageView> Items, int PageSize, string? Next);

/// <summary>A message's place in the list: by id, newest first.</summary>
public readonly record struct OutboxCursor(long Id)
{
    private const char List = 'o';

    public string Encode()
    {
        Span<byte> key = stackalloc byte[sizeof(long)];
        BinaryPrimitives.WriteInt64BigEndian(key, Id);
        return Paging.EncodeCursor(List, key);
    }

    public static OutboxCursor? Decode(string? cursor, ValidationErrors errors) =>
        Paging.DecodeCursor<OutboxCursor>(cursor, List, sizeof(long), key => new OutboxCursor(BinaryPrimitives.ReadInt64BigEndian(key)), errors);
}

/// <remarks>Read from the index of (state, id) where the cursor points, however many messages are done.</remarks>
public sealed class ListOutboxMessagesHandler(CorrectionsDb db) : IQueryHandler<ListOutboxMessages, OutboxMessagePage>
{
    public async ValueTask<OutboxMessagePage> Handle(ListOutboxMessages query, CancellationToken cancellationToken)
    {
        var page = await PageQuery(db, query).ToListAsync(cancellationToken);
        var items = page.Take(query.PageSize).Select(OutboxMessageView.From).ToList();
        return new OutboxMessagePage(items, query.PageSize, page.Count > query.PageSize ? new OutboxCursor(items[^1].Id).Encode() : null);
    }

    /// <summary>The page's messages and, if there is one, the first of the next page.</summary>
    public static IQueryable<OutboxMessage> PageQuery(CorrectionsDb db, ListOutboxMessages query)
    {
        var rows = db.Outbox.AsNoTracking().Where(m => m.State == query.State);
        if (query.After is { } after)
            rows = rows.Where(m => m.Id < after.Id);
        return rows.OrderByDescending(m => m.Id).Take(query.PageSize + 1);
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
    /// <param name="cursor">the previous page's next; left out for the first page, the newest messages</param>
    /// <param name="pageSize">1 to 200; 50 when left out</param>
    /// <param name="page">no longer accepted: follow next instead</param>
    private static async Task<IResult> ListAsync(string? state, string? cursor, string? pageSize, string? page, IMediator mediator, CancellationToken cancellationToken)
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
        var after = OutboxCursor.Decode(cursor, errors);
        var size = Paging.ReadPageSize(pageSize, errors);
        Paging.RefusePageNumber(page, errors);
        if (errors.Any)
            return Results.ValidationProblem(errors.ToDictionary(), title: "The request is not valid.", detail: "See errors for what to change in each parameter.");

        return Results.Ok(await mediator.Send(new ListOutboxMessages(parsedState, after, size), cancellationToken));
    }
}
