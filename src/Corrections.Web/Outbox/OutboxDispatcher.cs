using Corrections.Configuration;
using Corrections.Data;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Outbox;

/// <summary>
/// Claims due outbox rows with a lease, publishes each as a notification, and records the outcome:
/// done, retried later with back-off, or parked with its last error.
/// </summary>
public sealed class OutboxDispatcher(
    IServiceScopeFactory scopes,
    OutboxSignal signal,
    TimeProvider time,
    IOptions<OutboxOptions> options,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly OutboxOptions settings = options.Value;

    /// <summary>Runs <see cref="OutboxOptions.Parallelism"/> loops; each batch has its own SMTP connection.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, settings.Parallelism).Select(_ => RunAsync(stoppingToken)));

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromSeconds(settings.PollIntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            var moreDue = false;
            try
            {
                moreDue = await DispatchBatchAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "The outbox dispatcher failed; it tries again in {Seconds} s", poll.TotalSeconds);
            }

            if (moreDue)
                continue;
            try
            {
                await signal.WaitAsync(poll, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Processes one batch of due rows; true when a full batch was taken and more may be waiting.</summary>
    public async Task<bool> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();

        var claimed = await ClaimAsync(db, cancellationToken);
        if (claimed.Count == settings.BatchSize && settings.Parallelism > 1)
            signal.Wake(); // more may be due: another loop can take the next batch meanwhile
        for (var i = 0; i < claimed.Count; i++)
        {
            var message = claimed[i];
            using var logScope = logger.BeginScope(new Dictionary<string, object> { ["OutboxId"] = message.Id, ["OutboxType"] = message.Type });
            try
            {
                await publisher.Publish((object)OutboxNotifications.Read(message), cancellationToken);
                await CompleteAsync(db, message);
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested)
            {
                logger.LogInformation(ex, "Stopping: {Count} outbox message(s) released for the next start", claimed.Count - i);
                await ReleaseAsync(db, claimed.Skip(i), dueAt: null);
                throw;
            }
            catch (Exception ex)
            {
                var failure = Unwrap(ex);
                var kind = Failures.Classify(failure);
                var retryAt = await FailAsync(db, message, failure, kind);
                if (kind == FailureKind.Unavailable && i + 1 < claimed.Count)
                {
                    // The way out is down: the rest of the batch waits with this row instead of failing one by one.
                    await ReleaseAsync(db, claimed.Skip(i + 1), retryAt);
                    return false;
                }
            }
        }
        return claimed.Count == settings.BatchSize;
    }

    private async Task<List<OutboxMessage>> ClaimAsync(CorrectionsDb db, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var candidates = await db.Outbox
            .Where(m => m.State == OutboxState.Pending && m.DueAt <= now && (m.LeaseExpiresAt == null || m.LeaseExpiresAt < now))
            .OrderBy(m => m.DueAt)
            .Select(m => m.Id)
            .Take(settings.BatchSize)
            .ToListAsync(cancellationToken);
        if (candidates.Count == 0)
            return [];

        // The conditional update is the claim: of two dispatchers racing for a row, only one sets its lease.
        var claim = Guid.NewGuid().ToString("N");
        var leaseUntil = now.AddSeconds(settings.LeaseSeconds);
        await db.Outbox
            .Where(m => candidates.Contains(m.Id) && m.State == OutboxState.Pending && (m.LeaseExpiresAt == null || m.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseOwner, claim).SetProperty(m => m.LeaseExpiresAt, leaseUntil), cancellationToken);
        return await db.Outbox.AsNoTracking()
            .Where(m => m.LeaseOwner == claim)
            .OrderBy(m => m.DueAt)
            .ToListAsync(cancellationToken);
    }

    private async Task CompleteAsync(CorrectionsDb db, OutboxMessage message)
    {
        var now = time.GetUtcNow();
        var updated = await db.Outbox
            .Where(m => m.Id == message.Id && m.LeaseOwner == message.LeaseOwner)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, OutboxState.Done)
                .SetProperty(m => m.ProcessedAt, now)
                .SetProperty(m => m.Attempts, message.Attempts + 1)
                .SetProperty(m => m.LeaseOwner, (string?)null)
                .SetProperty(m => m.LeaseExpiresAt, (DateTimeOffset?)null)
                .SetProperty(m => m.LastError, (string?)null), CancellationToken.None);
        if (updated == 0)
            logger.LogWarning("Outbox message {OutboxId} ({Type}) was done after its lease had expired", message.Id, message.Type);
    }

    private async Task<DateTimeOffset> FailAsync(CorrectionsDb db, OutboxMessage message, Exception failure, FailureKind kind)
    {
        var attempts = message.Attempts + 1;
        var error = Failures.Describe(failure);
        var park = kind == FailureKind.Permanent || attempts >= settings.MaxAttempts;
        var now = time.GetUtcNow();
        var retryAt = now + Failures.RetryDelay(attempts, TimeSpan.FromSeconds(settings.FirstRetrySeconds), TimeSpan.FromSeconds(settings.MaxRetrySeconds), Random.Shared);

        await db.Outbox
            .Where(m => m.Id == message.Id && m.LeaseOwner == message.LeaseOwner)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.State, park ? OutboxState.Parked : OutboxState.Pending)
                .SetProperty(m => m.Attempts, attempts)
                .SetProperty(m => m.DueAt, park ? message.DueAt : retryAt)
                .SetProperty(m => m.ProcessedAt, park ? now : null)
                .SetProperty(m => m.LastError, error)
                .SetProperty(m => m.LeaseOwner, (string?)null)
                .SetProperty(m => m.LeaseExpiresAt, (DateTimeOffset?)null), CancellationToken.None);

        if (park)
            logger.LogWarning(failure, "Outbox message {OutboxId} ({Type}) parked after {Attempts} attempt(s): {Error}", message.Id, message.Type, attempts, error);
        else
            logger.LogWarning("Outbox message {OutboxId} ({Type}) failed, attempt {Attempts}; retrying at {RetryAt:O}: {Error}", message.Id, message.Type, attempts, retryAt, error);
        return retryAt;
    }

    private static async Task ReleaseAsync(CorrectionsDb db, IEnumerable<OutboxMessage> messages, DateTimeOffset? dueAt)
    {
        foreach (var message in messages)
        {
            await db.Outbox
                .Where(m => m.Id == message.Id && m.LeaseOwner == message.LeaseOwner)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.DueAt, dueAt ?? message.DueAt)
                    .SetProperty(m => m.LeaseOwner, (string?)null)
                    .SetProperty(m => m.LeaseExpiresAt, (DateTimeOffset?)null), CancellationToken.None);
        }
    }

    private static Exception Unwrap(Exception exception) =>
        exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? Unwrap(aggregate.InnerExceptions[0]) : exception;
}
