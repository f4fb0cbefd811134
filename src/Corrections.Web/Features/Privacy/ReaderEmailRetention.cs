using Corrections.Configuration;
using Corrections.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Features.Privacy;

/// <summary>Deletes readers' addresses once their report has been closed for <c>Privacy:ReaderEmailRetentionDays</c>; runs hourly.</summary>
public sealed class ReaderEmailRetention(IServiceScopeFactory scopes, IOptions<PrivacyOptions> options, TimeProvider time, ILogger<ReaderEmailRetention> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EraseExpiredAsync(stoppingToken);
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

    public async Task<int> EraseExpiredAsync(CancellationToken cancellationToken)
    {
        var closedBefore = time.GetUtcNow().AddDays(-options.Value.ReaderEmailRetentionDays);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        var erased = await db.ReportSubmissions
            .Where(s => s.ReaderEmail != null && db.Reports.Any(r => r.Id == s.ReportId && r.ClosedAt != null && r.ClosedAt < closedBefore))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.ReaderEmail, (string?)null), cancellationToken);
        if (erased > 0)
            logger.LogInformation("Erased the addresses of {Count} reader submission(s) closed more than {Days} days ago", erased, options.Value.ReaderEmailRetentionDays);
        return erased;
    }
}
