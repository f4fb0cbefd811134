using Corrections.Storage;
using Corrections.Data;
using Corrections.Outbox;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Pipeline;

/// <summary>A command whose changes, outbox rows included, are committed together or not at all.</summary>
public interface ITransactionalCommand;

/// <remarks>The database context is taken from the request's scope only for a transactional command: the others, submissions
/// among them, do not pay for one (docs/decisions/0014-pooled-database-contexts.md).</remarks>
public sealed class TransactionBehavior<TMessage, TResponse>(IServiceProvider services, OutboxSignal outbox)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not ITransactionalCommand)
            return await next(message, cancellationToken);

        var db = services.GetRequiredService<CorrectionsDb>();
        // A concurrent request can win a unique key (the same client request id) between our read and our write;
        // the second run then finds its row and answers as a repeat.
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            try
            {
                var response = await next(message, cancellationToken);
                var wroteOutbox = db.ChangeTracker.Entries<OutboxMessage>().Any(e => e.State == EntityState.Added);
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                if (wroteOutbox)
                    outbox.Wake();
                return response;
            }
            catch (DbUpdateException ex) when (attempt == 1 && DatabaseErrors.IsUniqueViolation(ex))
            {
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
            }
        }
    }
}
