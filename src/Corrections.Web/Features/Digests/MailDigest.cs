using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Outbox;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Digests;

/// <summary>Mails one editor's copy of a digest, with the reports as they are at send time.</summary>
public sealed class MailDigest(CorrectionsDb db, SiteDirectory sites, DigestMail mail, IMailTransport transport, ILogger<MailDigest> logger)
    : INotificationHandler<DigestReady>
{
    public async ValueTask Handle(DigestReady notification, CancellationToken cancellationToken)
    {
        var digest = await db.Digests.AsNoTracking().Include(d => d.Items).FirstOrDefaultAsync(d => d.Id == notification.DigestId, cancellationToken)
            ?? throw new PermanentFailureException($"Digest {notification.DigestId} does not exist");
        var site = sites.Find(digest.SiteKey);
        if (site is null)
        {
            logger.LogInformation("Digest {DigestId}: the site '{Site}' is no longer configured; not mailed", digest.Id, digest.SiteKey);
            return;
        }
        var ids = digest.Items.Select(i => i.ReportId).ToList();
        var reports = await db.Reports.AsNoTracking().Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        var listed = digest.Items.OrderBy(i => i.Number).Where(i => reports.ContainsKey(i.ReportId)).Select(i => (i.Number, reports[i.ReportId])).ToList();
        await transport.SendAsync(mail.Compose(digest, listed, site, notification.Editor), cancellationToken);
    }
}
