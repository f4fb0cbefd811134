using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Outbox;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Notifications;

/// <summary>A report became fixed; the reader of <paramref name="SubmissionId"/> left an address and is to be thanked.</summary>
public sealed record ReportFixed(Guid ReportId, long SubmissionId) : IOutboxNotification
{
    public static string OutboxType => "ReportFixed";
}

public sealed class ThankReaderWhenReportFixed(
    CorrectionsDb db,
    SiteDirectory sites,
    ThankYouMail mail,
    IMailTransport transport,
    ILogger<ThankReaderWhenReportFixed> logger) : INotificationHandler<ReportFixed>
{
    public async ValueTask Handle(ReportFixed notification, CancellationToken cancellationToken)
    {
        var report = await db.Reports.AsNoTracking().FirstOrDefaultAsync(r => r.Id == notification.ReportId, cancellationToken)
            ?? throw new PermanentFailureException($"Report {notification.ReportId} does not exist");
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["ReportId"] = report.Id, ["Site"] = report.SiteKey });
        var readerEmail = await db.ReportSubmissions
            .Where(s => s.Id == notification.SubmissionId)
            .Select(s => s.ReaderEmail)
            .FirstOrDefaultAsync(cancellationToken);
        var site = sites.Find(report.SiteKey);
        if (readerEmail is null || site is null)
        {
            logger.LogInformation("Report {ReportId}: the reader's address was erased or the site removed before the thank-you; not sent", report.Id);
            return;
        }
        await transport.SendAsync(mail.Compose(report, site, readerEmail), cancellationToken);
    }
}
