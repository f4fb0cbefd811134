using System.Globalization;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Corrections.Health;

public sealed class DatabaseHealthCheck(CorrectionsDb db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy("The database answers.")
            : HealthCheckResult.Unhealthy("The database cannot be reached.");
}

/// <summary>Reports how much work waits in the outbox and how late the oldest due message is; a growing age means mail is stuck.</summary>
/// <remarks>
/// Each count reads only its state's part of an index and stops at <see cref="CountLimit"/>: a load balancer asks every
/// few seconds, and the answer must come as fast with a backlog of millions.
/// </remarks>
public sealed class OutboxHealthCheck(CorrectionsDb db, TimeProvider time) : IHealthCheck
{
    public const int CountLimit = 10_000;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // Ordered as the (State, DueAt) index is, which the counts read in order anyway.
        var pending = db.Outbox.Where(m => m.State == OutboxState.Pending);
        var backlog = await pending.OrderBy(m => m.DueAt).Take(CountLimit).CountAsync(cancellationToken);
        var due = await pending.Where(m => m.DueAt <= now).OrderBy(m => m.DueAt).Take(CountLimit).CountAsync(cancellationToken);
        var oldestDue = await pending.Where(m => m.DueAt <= now)
            .OrderBy(m => m.DueAt)
            .Select(m => (DateTimeOffset?)m.DueAt)
            .FirstOrDefaultAsync(cancellationToken);
        var parked = await db.Outbox.Where(m => m.State == OutboxState.Parked).OrderBy(m => m.DueAt).Take(CountLimit).CountAsync(cancellationToken);

        var data = new Dictionary<string, object>
        {
            ["backlog"] = backlog,
            ["due"] = due,
            ["oldestDueAgeSeconds"] = oldestDue is { } at ? Math.Round((now - at).TotalSeconds, 1) : 0,
            ["parked"] = parked,
            ["countLimit"] = CountLimit,
        };
        return HealthCheckResult.Healthy($"{Counted(backlog)} message(s) waiting, {Counted(due)} of them due; {Counted(parked)} parked.", data);
    }

    private static string Counted(int count) => count < CountLimit ? count.ToString(CultureInfo.InvariantCulture) : $"{CountLimit} or more";
}

/// <summary>Degraded once every attempt to reach the SMTP relay has failed for longer than <see cref="SmtpHealth.DegradedAfter"/>.</summary>
public sealed class SmtpHealthCheck(SmtpHealth smtp, IOptions<MailOptions> mail) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(mail.Value.Smtp.Host))
            return Task.FromResult(HealthCheckResult.Healthy("No SMTP relay is configured; mail goes to the pickup folder."));

        // The last error stays in the log and the admin API: it can name hosts and accounts, and this endpoint is public.
        var state = smtp.Snapshot();
        var data = new Dictionary<string, object>();
        if (state.LastSuccessAt is { } lastSuccess)
            data["lastSuccessAt"] = lastSuccess;
        if (state.FailingSince is { } since)
            data["failingSince"] = since;
        if (state.FailingFor is { } failingFor)
            data["failingForSeconds"] = Math.Round(failingFor.TotalSeconds, 1);

        var result = state switch
        {
            { Degraded: true } => HealthCheckResult.Degraded(
                $"Every attempt to reach the SMTP relay has failed for more than {SmtpHealth.DegradedAfter.TotalMinutes:0} minutes; mail waits in the outbox.", data: data),
            { FailingSince: not null } => HealthCheckResult.Healthy("The SMTP relay failed lately; mail is retried.", data),
            _ => HealthCheckResult.Healthy("The SMTP relay accepts mail, or has not been needed yet.", data),
        };
        return Task.FromResult(result);
    }
}
