using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Features.PageCheck;
using Corrections.Outbox;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Notifications;

/// <summary>A new report was committed and <paramref name="Editor"/> is to be told; published from the outbox, one row per editor.</summary>
public sealed record ReportSubmitted(Guid ReportId, string Editor) : IOutboxNotification
{
    public static string OutboxType => "ReportSubmitted";
}

public sealed class MailEditorsWhenReportSubmitted(
    CorrectionsDb db,
    SiteDirectory sites,
    EditorMail mail,
    IMailTransport transport,
    PassageChecks passageChecks,
    ILogger<MailEditorsWhenReportSubmitted> logger) : INotificationHandler<ReportSubmitted>
{
    public async ValueTask Handle(ReportSubmitted notification, CancellationToken cancellationToken)
    {
        // Read at send time, so the mail shows every reader who joined the report until now.
        var report = await db.Reports.AsNoTracking().FirstOrDefaultAsync(r => r.Id == notification.ReportId, cancellationToken)
            ?? throw new PermanentFailureException($"Report {notification.ReportId} does not exist");
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["ReportId"] = report.Id, ["Site"] = report.SiteKey });
        var site = sites.Find(report.SiteKey)
            ?? throw new PermanentFailureException($"Report {report.Id} belongs to the site '{report.SiteKey}', which is no longer configured");
        if (report.Status != ReportStatus.New)
        {
            logger.LogInformation("Report {ReportId} on {Site} was {Status} before its mail went out; not mailed", report.Id, site.Key, report.Status);
            return;
        }
        await passageChecks.WaitForMailAsync(report, site, cancellationToken);
        await transport.SendAsync(mail.Compose(report, site, notification.Editor), cancellationToken);
    }
}
