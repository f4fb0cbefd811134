using Corrections.Configuration;
using Corrections.Data;
using Corrections.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Features.Privacy;

/// <summary>
/// Deletes readers' addresses once their report has been closed for <c>Privacy:ReaderEmailRetentionDays</c>; runs hourly,
/// on the one instance of the service that holds the job's lease.
/// </summary>
public sealed class ReaderEmailRetention(
    IServiceScopeFactory scopes,
    DatabaseLease lease,
    IOptions<PrivacyOptions> options,
    TimeProvider time,
    ILogger<ReaderEmailRetention> logger) : BackgroundService
{
    public const string LeaseName = "reader-email-retention";
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunHourlyAsync(stoppingToken);
        }
        finally
        {
            await ReleaseLeaseAsync();
        }
    }

    private async Task RunHourlyAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnThisInstanceAsync(stoppingToken);
                await Task.Delay(Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Erasing expired reader addresses failed; trying again in an hour");
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
    }

    /// <summary>On a clean stop, so that another instance takes the job over at its next run instead of an hour later.</summary>
    private async Task ReleaseLeaseAsync()
    {
        try
        {
            await lease.ReleaseAsync(LeaseName, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Releasing the reader address retention's lease failed; another instance takes the job over when it expires");
        }
    }

    /// <summary>
    /// Erases what has expired unless another instance holds the lease: the holder renews it with each hourly run, and
    /// another instance takes the job over at its first run after the holder has missed one.
    /// </summary>
    public async Task<bool> RunOnThisInstanceAsync(CancellationToken cancellationToken)
    {
        if (!await lease.TryAcquireAsync(LeaseName, Interval, cancellationToken))
            return false;
        await EraseExpiredAsync(cancellationToken);
        return true;
    }

    public async Task<int> EraseExpiredAsync(CancellationToken cancellationToken)
    {
        var closedBefore = time.GetUtcNow().AddDays(-options.Value.ReaderEmailRetentionDays);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        var erased = await scope.ServiceProvider.GetRequiredService<SecureErasure>().RunAsync(db, cancel => db.ReportSubmissions
            .Where(s => s.ReaderEmail != null && db.Reports.Any(r => r.Id == s.ReportId && r.ClosedAt != null && r.ClosedAt < closedBefore))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ReaderEmail, (string?)null), cancel), cancellationToken);
        if (erased > 0)
            logger.LogInformation("Erased the addresses of {Count} reader submission(s) closed more than {Days} days ago", erased, options.Value.ReaderEmailRetentionDays);
        return erased;
    }
}
