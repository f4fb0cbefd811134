using System.Net;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Outbound;
using Corrections.Outbox;
using Corrections.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Webhooks;

/// <summary>
/// Sends an event to one webhook. A 2xx answer is done; 5xx, 408, 429 and no answer are retried by the outbox; a redirect
/// (never followed) or another 4xx parks the row; <c>410 Gone</c> also disables the webhook until its configuration changes.
/// </summary>
public sealed class DeliverWebhook(
    CorrectionsDb db,
    SiteDirectory sites,
    WebhookPayloads payloads,
    WebhookSender sender,
    TimeProvider time,
    ILogger<DeliverWebhook> logger) : INotificationHandler<ReportChanged>
{
    public async ValueTask Handle(ReportChanged notification, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["ReportId"] = notification.ReportId, ["Site"] = notification.SiteKey, ["EventId"] = notification.EventId });
        var site = sites.Find(notification.SiteKey);
        var webhook = site?.Webhooks.FirstOrDefault(w => w.Url.OriginalString == notification.Url);
        if (site is null || webhook is null || !webhook.Receives(notification.EventType))
        {
            logger.LogInformation("Event {EventId} ({Type}) was for a webhook of {Site} that is no longer configured; not sent", notification.EventId, notification.EventType, notification.SiteKey);
            return;
        }
        if (await db.DisabledWebhooks.AnyAsync(w => w.Fingerprint == webhook.Fingerprint, cancellationToken))
        {
            logger.LogInformation("Event {EventId} ({Type}) not sent: the webhook at {Host} of {Site} answered 410 Gone and is disabled until its configuration changes",
                notification.EventId, notification.EventType, webhook.Url.Host, site.Key);
            return;
        }
        var report = await db.Reports.AsNoTracking().FirstOrDefaultAsync(r => r.Id == notification.ReportId, cancellationToken)
            ?? throw new PermanentFailureException($"Report {notification.ReportId} does not exist");
        var body = webhook.Format == WebhookFormat.Slack ? payloads.Slack(notification, report, site, webhook) : payloads.Json(notification, report, site);

        HttpStatusCode status;
        string answer;
        try
        {
            (status, answer) = await sender.SendAsync(webhook, body, notification.EventId, notification.EventType, cancellationToken);
        }
        catch (RefusedAddressException ex)
        {
            throw new PermanentFailureException(ex.Message);
        }
        if ((int)status is >= 200 and < 300)
            return;
        if (status == HttpStatusCode.Gone)
        {
            await DisableAsync(site, webhook, cancellationToken);
            logger.LogWarning("The webhook at {Host} of {Site} answered 410 Gone; it is disabled until its configuration changes", webhook.Url.Host, site.Key);
            throw new PermanentFailureException($"Webhook {webhook.Url.Host}: 410 Gone; the webhook is disabled until its configuration changes");
        }
        throw new WebhookDeliveryException((int)status, $"Webhook {webhook.Url.Host}: {(int)status} {status}{(answer.Length > 0 ? ": " + answer : "")}");
    }

    private async Task DisableAsync(Site site, Webhook webhook, CancellationToken cancellationToken)
    {
        db.DisabledWebhooks.Add(new DisabledWebhook { Fingerprint = webhook.Fingerprint, SiteKey = site.Key, Host = webhook.Url.Host, DisabledAt = time.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (DatabaseErrors.IsUniqueViolation(ex))
        {
            // Another delivery found it gone first.
        }
        finally
        {
            // The dispatcher's other messages share this context: nothing of this one may be saved with theirs.
            db.ChangeTracker.Clear();
        }
    }
}
