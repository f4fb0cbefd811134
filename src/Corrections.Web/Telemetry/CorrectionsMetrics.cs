using System.Diagnostics.Metrics;

namespace Corrections.Telemetry;

/// <summary>The service's counters, on the meter "Corrections".</summary>
public sealed class CorrectionsMetrics
{
    public const string MeterName = "Corrections";

    private readonly Counter<long> outboxDone;
    private readonly Counter<long> outboxRetried;
    private readonly Counter<long> outboxParked;
    private readonly Counter<long> outboxRequeued;
    private readonly Counter<long> mailsSent;
    private readonly Counter<long> mailsFailed;
    private readonly Counter<long> reportsReceived;
    private readonly Counter<long> reportsAccepted;
    private readonly Counter<long> reportsRejected;
    private readonly Counter<long> reportsDuplicates;
    private readonly Counter<long> repliesHandled;

    public CorrectionsMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        outboxDone = meter.CreateCounter<long>("corrections_outbox_done", "{message}", "Outbox messages handled successfully");
        outboxRetried = meter.CreateCounter<long>("corrections_outbox_retried", "{message}", "Failed outbox attempts that will be retried");
        outboxParked = meter.CreateCounter<long>("corrections_outbox_parked", "{message}", "Outbox messages parked: they will not be retried until re-queued");
        outboxRequeued = meter.CreateCounter<long>("corrections_outbox_requeued", "{message}", "Parked outbox messages re-queued through the admin API");
        mailsSent = meter.CreateCounter<long>("corrections_mails_sent", "{mail}", "Mails accepted by the SMTP relay");
        mailsFailed = meter.CreateCounter<long>("corrections_mails_failed", "{mail}", "Attempts to hand a mail to the SMTP relay that failed");
        reportsReceived = meter.CreateCounter<long>("corrections_reports_received", "{report}", "Submissions that reached the service");
        reportsAccepted = meter.CreateCounter<long>("corrections_reports_accepted", "{report}", "Submissions answered 202, by site");
        reportsRejected = meter.CreateCounter<long>("corrections_reports_rejected", "{report}", "Submissions refused, by reason and site");
        reportsDuplicates = meter.CreateCounter<long>("corrections_reports_duplicates", "{report}", "Submissions that joined an open report or repeated an earlier request");
        repliesHandled = meter.CreateCounter<long>("corrections_replies_handled", "{message}", "Editors' replies read from the mailbox, by outcome");
    }

    public void ReportReceived() => reportsReceived.Add(1);

    public void ReportAccepted(string site, bool joined)
    {
        reportsAccepted.Add(1, new KeyValuePair<string, object?>("site", site));
        if (joined)
            reportsDuplicates.Add(1, new KeyValuePair<string, object?>("site", site));
    }

    /// <param name="site">The site's key when it is a registered one; anything else is counted as "unknown".</param>
    public void ReportRejected(string reason, string? site) =>
        reportsRejected.Add(1, new KeyValuePair<string, object?>("reason", reason), new KeyValuePair<string, object?>("site", site ?? "unknown"));

    public void ReplyHandled(string outcome) => repliesHandled.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void OutboxDone(string type) => outboxDone.Add(1, new KeyValuePair<string, object?>("type", type));
    public void OutboxRetried(string type) => outboxRetried.Add(1, new KeyValuePair<string, object?>("type", type));
    public void OutboxParked(string type) => outboxParked.Add(1, new KeyValuePair<string, object?>("type", type));
    public void OutboxRequeued(string type) => outboxRequeued.Add(1, new KeyValuePair<string, object?>("type", type));
    public void MailSent() => mailsSent.Add(1);
    public void MailFailed(string reason) => mailsFailed.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
