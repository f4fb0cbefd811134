using Corrections.Storage;
using System.Diagnostics;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Telemetry;
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
    SubmissionsInFlight submissions,
    InstanceIdentity instance,
    TimeProvider time,
    CorrectionsMetrics metrics,
    IOptions<OutboxOptions> options,
    IOptions<HostOptions> host,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly OutboxOptions settings = options.Value;
    private readonly CancellationTokenSource cutOffSource = new();

    /// <summary>Runs <see cref="OutboxOptions.Parallelism"/> loops; each batch has its own SMTP connection.</summary>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, settings.Parallelism).Select(_ => RunAsync(stoppingToken)));

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromSeconds(settings.PollIntervalSeconds);
        var cutOffToken = cutOffSource.Token;
        while (!stoppingToken.IsCancellationRequested)
        {
            var moreDue = false;
            try
            {
                moreDue = await DispatchBatchAsync(stoppingToken, cutOffToken);
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

    /// <summary>
    /// Takes back, before the first claim, what this instance had claimed when it stopped without releasing it: after a
    /// crash its mail goes out at once rather than when the lease runs out. Should that fail, the lease still runs out.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var released = await OutboxClaims.ReleaseEarlierRunsAsync(scope.ServiceProvider.GetRequiredService<CorrectionsDb>(), instance, cancellationToken);
            if (released > 0)
                logger.LogInformation("Took back {Count} outbox message(s) that instance {Instance} had claimed before it restarted", released, instance.Name);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Taking back the outbox messages that instance {Instance} had claimed before it restarted failed; they wait for their lease to expire", instance.Name);
        }
        await base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Stopping lets the message being handed over finish, so that it is not mailed a second time after the restart,
    /// and releases the rest of the batch. Only as the host's shutdown timeout runs out is that message cut off:
    /// a little before it, so that there is time left to release the batch.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host may stop its services twice, the second time after (or while) disposing them.
        if (ExecuteTask is not { IsCompleted: false })
        {
            await base.StopAsync(cancellationToken);
            return;
        }
        var shutdown = host.Value.ShutdownTimeout;
        var releaseTime = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(2).Ticks, shutdown.Ticks / 5));
        cutOffSource.CancelAfter(shutdown - releaseTime);
        await base.StopAsync(cancellationToken);
        // The host stopped waiting: the batch may still be in hand, and is cut off and released.
        if (ExecuteTask is { IsCompleted: false })
            await cutOffSource.CancelAsync();
    }

    /// <summary>
    /// Cuts off what is still in hand instead of disposing the cut-off: a web application's own run loop and whoever
    /// stopped it may both stop the host, one of them while the other disposes it, and a cancelled source holds no timer.
    /// </summary>
    public override void Dispose()
    {
        cutOffSource.Cancel();
        base.Dispose();
    }

    /// <summary>
    /// Processes one batch of due rows; true when a full batch was taken and more may be waiting.
    /// Once <paramref name="stopping"/> is cancelled no further row is started; <paramref name="cutOff"/> cancels the one in hand.
    /// </summary>
    public async Task<bool> DispatchBatchAsync(CancellationToken stopping, CancellationToken cutOff = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublisher>();

        var claimed = await ClaimAsync(db, stopping);
        if (claimed.Count == settings.BatchSize && settings.Parallelism > 1)
            signal.Wake(); // more may be due: another loop can take the next batch meanwhile
        // Giving way must not outlast the claim, or another pass would take the rest of the batch again.
        var giveWayUntil = Stopwatch.GetTimestamp() + settings.LeaseSeconds * Stopwatch.Frequency / 4;
        for (var i = 0; i < claimed.Count; i++)
        {
            if (Stopwatch.GetTimestamp() < giveWayUntil)
                await GiveWayToSubmissionsAsync(stopping);
            if (stopping.IsCancellationRequested)
            {
                logger.LogInformation("Stopping: {Count} outbox message(s) released for the next start", claimed.Count - i);
                await RecordAsync(() => ReleaseAsync(db, claimed.Skip(i), dueAt: null), message: claimed[i], cutOff);
                return false;
            }

            var message = claimed[i];
            using var logScope = logger.BeginScope(new Dictionary<string, object> { ["OutboxId"] = message.Id, ["OutboxType"] = message.Type });
            try
            {
                await publisher.Publish((object)OutboxNotifications.Read(message), cutOff);
            }
            catch (Exception ex) when (cutOff.IsCancellationRequested)
            {
                logger.LogWarning(ex, "The shutdown timeout ran out while outbox message {OutboxId} ({Type}) was being handled; it and {Count} more are released and it may be handled again after the restart",
                    message.Id, message.Type, claimed.Count - i - 1);
                await RecordAsync(() => ReleaseAsync(db, claimed.Skip(i), dueAt: null), message, cutOff);
                throw new OperationCanceledException("The outbox dispatcher was cut off by the shutdown timeout", ex, cutOff);
            }
            catch (Exception ex)
            {
                var failure = Unwrap(ex);
                var kind = Failures.Classify(failure);
                var retryAt = await RecordAsync(() => FailAsync(db, message, failure, kind), message, cutOff);
                if (kind == FailureKind.Unavailable && i + 1 < claimed.Count)
                {
                    // The way out is down: the rest of the batch waits with this row instead of failing one by one.
                    await RecordAsync(() => ReleaseAsync(db, claimed.Skip(i + 1), retryAt), claimed[i + 1], cutOff);
                    return false;
                }
                continue;
            }
            // Outside the catch above: once the mail is out, failing to record it must not count as a failed delivery.
            await RecordAsync(() => CompleteAsync(db, message), message, cutOff);
        }
        return claimed.Count == settings.BatchSize;
    }

    /// <summary>
    /// Waits, at most <see cref="OutboxOptions.GiveWayMilliseconds"/> on the wall clock, until a burst of readers'
    /// submissions is over (<see cref="SubmissionsInFlight.Burst"/>): the two share the machine's cores, and a reader
    /// waits for the answer while a mail can wait a little.
    /// </summary>
    private async Task GiveWayToSubmissionsAsync(CancellationToken stopping)
    {
        if (settings.GiveWayMilliseconds == 0)
            return;
        using var giveWay = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        giveWay.CancelAfter(settings.GiveWayMilliseconds);
        try
        {
            await submissions.WhenNoBurstAsync(giveWay.Token);
        }
        catch (OperationCanceledException) when (giveWay.IsCancellationRequested)
        {
            // Submissions go on: this message goes out anyway, so that mail keeps moving during a long burst. When
            // stopping, the caller releases the batch.
        }
    }

    /// <summary>
    /// Writes the outcome of a claimed message, waiting out a locked or unreachable database: a mail that went out but
    /// was not recorded would go out again. It tries until the claim's lease runs out (then another dispatcher may take
    /// the row anyway) or the shutdown cuts it off; a failure after that is left to the lease.
    /// </summary>
    private async Task<T> RecordAsync<T>(Func<Task<T>> write, OutboxMessage message, CancellationToken cutOff)
    {
        var leaseEnds = message.LeaseExpiresAt ?? time.GetUtcNow();
        for (var delay = TimeSpan.FromMilliseconds(250); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks)))
        {
            try
            {
                return await write();
            }
            catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex) && !cutOff.IsCancellationRequested && time.GetUtcNow() + delay < leaseEnds)
            {
                logger.LogWarning("Recording the outcome of outbox message {OutboxId} ({Type}) failed, the database is locked or unreachable; trying again in {Delay} ms: {Error}",
                    message.Id, message.Type, delay.TotalMilliseconds, ex.Message);
                await Task.Delay(delay, time, cutOff);
            }
        }
    }

    private Task RecordAsync(Func<Task> write, OutboxMessage message, CancellationToken cutOff) =>
        RecordAsync(async () =>
        {
            await write();
            return true;
        }, message, cutOff);

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

        // The conditional update is the claim: of two dispatchers racing for a row, only one sets its lease. Once it has
        // begun, the rows are read back whatever happens, so that the caller sends or releases them: a claim cut off by
        // the shutdown in between left them leased, and their mail waited for the lease to run out after the restart.
        var claim = OutboxClaims.New(instance.Name);
        var leaseUntil = now.AddSeconds(settings.LeaseSeconds);
        await db.Outbox
            .Where(m => candidates.Contains(m.Id) && m.State == OutboxState.Pending && (m.LeaseExpiresAt == null || m.LeaseExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeaseOwner, claim).SetProperty(m => m.LeaseExpiresAt, leaseUntil), CancellationToken.None);
        return await db.Outbox.AsNoTracking()
            .Where(m => m.LeaseOwner == claim)
            .OrderBy(m => m.DueAt)
            .ToListAsync(CancellationToken.None);
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
        metrics.OutboxDone(message.Type);
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
        {
            metrics.OutboxParked(message.Type);
            // Not the exception itself: its message may name the reader whose address the relay refused.
            logger.LogWarning("Outbox message {OutboxId} ({Type}) parked after {Attempts} attempt(s): {Error}{Stack}",
                message.Id, message.Type, attempts, error, Failures.StackOfFault(failure) is { } stack ? Environment.NewLine + stack : "");
        }
        else
        {
            metrics.OutboxRetried(message.Type);
            logger.LogWarning("Outbox message {OutboxId} ({Type}) failed, attempt {Attempts}; retrying at {RetryAt:O}: {Error}", message.Id, message.Type, attempts, retryAt, error);
        }
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
