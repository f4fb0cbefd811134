using System.Security.Claims;
using Corrections.Data;
using Corrections.Outbox;
using Corrections.Pipeline;
using Corrections.Telemetry;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Outbox;

/// <summary>
/// Puts a parked message back in the queue, due now. Its attempts start again from 0, so it gets the whole retry
/// schedule: whoever re-queues it has usually fixed the cause. Its last error stays visible until the next attempt.
/// </summary>
public sealed record RetryOutboxMessage(long Id, string RequestedBy) : ICommand<OutboxMessageView>;

public sealed class RetryOutboxMessageHandler(
    CorrectionsDb db,
    OutboxSignal signal,
    TimeProvider time,
    CorrectionsMetrics metrics,
    ILogger<RetryOutboxMessageHandler> logger) : ICommandHandler<RetryOutboxMessage, OutboxMessageView>
{
    public async ValueTask<OutboxMessageView> Handle(RetryOutboxMessage command, CancellationToken cancellationToken)
    {
        var message = await db.Outbox.AsNoTracking().FirstOrDefaultAsync(m => m.Id == command.Id, cancellationToken)
            ?? throw new NotFoundException("The outbox message does not exist.", $"There is no outbox message {command.Id}.");
        if (message.State != OutboxState.Parked)
            throw NotParked(message);

        var now = time.GetUtcNow();
        var requeued = await db.Outbox
            .Where(m => m.Id == command.Id && m.State == OutboxState.Parked)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, OutboxState.Pending)
                .SetProperty(m => m.DueAt, now)
                .SetProperty(m => m.Attempts, 0)
                .SetProperty(m => m.ProcessedAt, (DateTimeOffset?)null)
                .SetProperty(m => m.LeaseOwner, (string?)null)
                .SetProperty(m => m.LeaseExpiresAt, (DateTimeOffset?)null), cancellationToken);
        if (requeued == 0)
            throw NotParked(await db.Outbox.AsNoTracking().FirstAsync(m => m.Id == command.Id, cancellationToken));

        signal.Wake();
        metrics.OutboxRequeued(message.Type);
        logger.LogInformation("Outbox message {OutboxId} ({Type}) re-queued by {RequestedBy} after {Attempts} attempt(s); it was parked with: {Error}",
            message.Id, message.Type, command.RequestedBy, message.Attempts, message.LastError);

        message.State = OutboxState.Pending;
        message.DueAt = now;
        message.Attempts = 0;
        message.ProcessedAt = null;
        return OutboxMessageView.From(message);
    }

    private static ConflictException NotParked(OutboxMessage message) =>
        new("Only a parked message can be re-queued.", $"Outbox message {message.Id} is {message.State.ToString().ToLowerInvariant()}, not parked.");
}

public static class RetryOutboxMessageEndpoint
{
    public static RouteHandlerBuilder MapRetryOutboxMessage(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/{id:long}/retry", RetryAsync)
            .Produces<OutboxMessageView>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<IResult> RetryAsync(long id, ClaimsPrincipal user, IMediator mediator, CancellationToken cancellationToken)
    {
        var requeued = await mediator.Send(new RetryOutboxMessage(id, user.Identity?.Name ?? "unknown"), cancellationToken);
        return Results.Accepted(value: requeued);
    }
}
