using Corrections.Features.Notifications;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.PageCheck;
using Corrections.Features.Webhooks;
using Corrections.Features.Reports.Submit;
using Corrections.Outbox;
using Corrections.Pipeline;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Features.Triage;

/// <summary>
/// An editor's decision on a report, from a signed link, a reply or the admin API, or the service's own from the live
/// page. With <paramref name="OnlyFrom"/>, nothing changes unless the report still has that status.
/// </summary>
public sealed record TriageReport(
    Guid ReportId,
    TriageAction Action,
    string Actor,
    TriageChannel Channel,
    string? Note = null,
    Guid? DuplicateOfId = null,
    string? SourceMessageId = null,
    ReportStatus? OnlyFrom = null) : ICommand<TriageOutcome>, ITransactionalCommand;

/// <param name="Applied">False when the report already had the status: nothing changed, and <paramref name="LastChange"/> says who set it.</param>
public sealed record TriageOutcome(Guid ReportId, ReportStatus Status, bool Applied, ReportEvent? LastChange);

public sealed class TriageReportValidator(CorrectionsDb db) : IValidator<TriageReport>
{
    public async ValueTask ValidateAsync(TriageReport command, ValidationErrors errors, CancellationToken cancellationToken)
    {
        if (!await db.Reports.AnyAsync(r => r.Id == command.ReportId, cancellationToken))
            throw new NotFoundException("Unknown report.", $"There is no report {command.ReportId}.");
        var note = TriageNote.Clean(command.Note);
        if (note?.Length > 2000)
            errors.Add("note", "The note must be at most 2000 characters.");
        if (command.Action == TriageAction.Note && note is null)
            errors.Add("note", "A note must not be empty.");
        if (command.DuplicateOfId is { } original)
        {
            if (command.Action != TriageAction.Duplicate)
                errors.Add("duplicateOf", "Only a duplicate names the report it duplicates.");
            else if (original == command.ReportId)
                errors.Add("duplicateOf", "A report cannot duplicate itself.");
            else if (!await db.Reports.AnyAsync(r => r.Id == original, cancellationToken))
                errors.Add("duplicateOf", $"There is no report {original}.");
        }
    }
}

public sealed class TriageReportHandler(CorrectionsDb db, SiteDirectory sites, TimeProvider time, IOptions<PageCheckOptions> pageCheck)
    : ICommandHandler<TriageReport, TriageOutcome>
{
    public async ValueTask<TriageOutcome> Handle(TriageReport command, CancellationToken cancellationToken)
    {
        var report = await db.Reports.SingleAsync(r => r.Id == command.ReportId, cancellationToken);
        var target = command.Action.TargetStatus();

        if (target == report.Status || (command.OnlyFrom is { } expected && report.Status != expected))
        {
            var last = await db.ReportEvents.AsNoTracking()
                .Where(e => e.ReportId == report.Id && e.ToStatus == report.Status && e.FromStatus != e.ToStatus)
                .OrderByDescending(e => e.Id)
                .FirstOrDefaultAsync(cancellationToken);
            return new TriageOutcome(report.Id, report.Status, Applied: false, last);
        }

        var now = time.GetUtcNow();
        var change = new ReportEvent
        {
            ReportId = report.Id,
            At = now,
            Actor = command.Actor,
            Channel = command.Channel,
            Action = command.Action.Name(),
            FromStatus = report.Status,
            ToStatus = target ?? report.Status,
            Note = TriageNote.Clean(command.Note),
            SourceMessageId = command.SourceMessageId,
        };
        db.ReportEvents.Add(change);

        if (target is { } status)
        {
            report.Status = status;
            report.UpdatedAt = now;
            report.ClosedAt = status == ReportStatus.New ? null : now;
            report.DuplicateOfId = status == ReportStatus.Duplicate ? command.DuplicateOfId : null;
            if (status == ReportStatus.New)
                report.DigestId = null; // reopened: new again, for the next digest
            if (status == ReportStatus.Fixed && report.ThanksQueuedAt is null)
                await QueueThanksAsync(report, now, cancellationToken);
            // Reopened with its passage on the article: back on the live page's schedule, which a closed report left.
            if (status == ReportStatus.New && report.Passage == PassageState.Found)
                report.NextPageCheckAt = pageCheck.Value.NextCheck(report.CreatedAt, now);
            if (sites.Find(report.SiteKey) is { } site)
                db.Outbox.AddRange(WebhookDeliveries.For(site, WebhookEvents.ReportStatusChanged, report.Id, now,
                    new StatusChange(change.FromStatus, status, change.Actor, change.Channel, change.Action, change.Note)));
        }
        return new TriageOutcome(report.Id, report.Status, Applied: true, change);
    }

    /// <summary>One outbox row per reader address, so that a failure for one reader never repeats the mail to another.</summary>
    private async Task QueueThanksAsync(Report report, DateTimeOffset now, CancellationToken cancellationToken)
    {
        report.ThanksQueuedAt = now;
        var readers = await db.ReportSubmissions
            .Where(s => s.ReportId == report.Id && s.ReaderEmail != null)
            .Select(s => new { s.Id, s.ReaderEmail })
            .ToListAsync(cancellationToken);
        foreach (var reader in readers.DistinctBy(r => r.ReaderEmail!.ToLowerInvariant()))
            db.Outbox.Add(OutboxNotifications.Create(new ReportFixed(report.Id, reader.Id), now));
    }
}

/// <summary>
/// A note as stored: cleaned like a reader's text (NFC, no control or bidi-override characters, which a database may
/// also refuse), trimmed, and null when nothing is left.
/// </summary>
public static class TriageNote
{
    public static string? Clean(string? note) =>
        note is null ? null : ReaderText.Clean(note).Trim() is { Length: > 0 } cleaned ? cleaned : null;
}
