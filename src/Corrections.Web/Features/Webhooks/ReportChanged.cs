using Corrections.Configuration;
using Corrections.Data;
using Corrections.Outbox;

namespace Corrections.Features.Webhooks;

/// <summary>
/// An event about a report for one webhook of its site; published from the outbox, one row per webhook. The report is
/// read when the row is sent; what the event itself says (which change, by whom) is fixed when it happens.
/// </summary>
/// <param name="EventId">The event's id, sent as its <c>Idempotency-Key</c>: the same for each of the site's webhooks and for every retry.</param>
/// <param name="Url">The webhook, found again by its URL in the site's configuration when the row is sent.</param>
public sealed record ReportChanged(
    Guid EventId,
    string EventType,
    string SiteKey,
    string Url,
    Guid ReportId,
    DateTimeOffset OccurredAt,
    StatusChange? Change = null) : IOutboxNotification
{
    public static string OutboxType => "WebhookDelivery";
}

public sealed record StatusChange(ReportStatus From, ReportStatus To, string Actor, TriageChannel Channel, string Action, string? Note);

/// <summary>The outbox rows of an event: one for each of the site's webhooks that receives it.</summary>
public static class WebhookDeliveries
{
    public static IEnumerable<OutboxMessage> For(Site site, string eventType, Guid reportId, DateTimeOffset now, StatusChange? change = null)
    {
        var eventId = Guid.CreateVersion7(now);
        return site.Webhooks
            .Where(w => w.Receives(eventType))
            .Select(w => OutboxNotifications.Create(new ReportChanged(eventId, eventType, site.Key, w.Url.OriginalString, reportId, now, change), now))
            .ToList();
    }
}
