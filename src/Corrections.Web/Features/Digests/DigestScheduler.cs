using Corrections.Configuration;
using Corrections.Data;
using Corrections.Outbox;
using Corrections.Storage;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Digests;

/// <summary>
/// Queues, once a minute and when the service starts, one <see cref="DigestDue"/> outbox row for the latest digest time of
/// every site and desk in digest mode. The row's unique key (site, desk, time) makes it once across instances and
/// restarts: a digest missed while the service was down is queued at the next start, once, and earlier missed times are
/// not made up for (docs/decisions/0019-digests-as-outbox-rows-with-a-unique-key.md).
/// </summary>
public sealed class DigestScheduler(
    IServiceScopeFactory scopes,
    SiteDirectory sites,
    TimeProvider time,
    OutboxSignal signal,
    ILogger<DigestScheduler> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await QueueDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Queueing the due digests failed; trying again in {Seconds} s", Interval.TotalSeconds);
            }
            try
            {
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Queues the digests due now that are not queued yet; returns how many it queued.</summary>
    public async Task<int> QueueDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var queued = 0;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        foreach (var site in sites.All)
        {
            foreach (var (desk, plan) in site.Desks.Select(d => ((string?)d.Name, d.Mail)).Prepend((null, site.Mail)))
            {
                if (plan.LatestSlot(now) is not { } slot)
                    continue;
                var key = DigestDue.KeyOf(site.Key, desk, slot);
                if (await db.Outbox.AnyAsync(m => m.UniqueKey == key, cancellationToken))
                    continue;
                var row = OutboxNotifications.Create(new DigestDue(site.Key, desk, slot), now);
                row.UniqueKey = key;
                db.Outbox.Add(row);
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                    queued++;
                    logger.LogInformation("Digest of {Site} {Desk} for {Slot:O} queued", site.Key, desk ?? "(site editors)", slot);
                }
                catch (DbUpdateException ex) when (DatabaseErrors.IsUniqueViolation(ex))
                {
                    // Another instance queued it first.
                    db.ChangeTracker.Clear();
                }
            }
        }
        if (queued > 0)
            signal.Wake();
        return queued;
    }
}
