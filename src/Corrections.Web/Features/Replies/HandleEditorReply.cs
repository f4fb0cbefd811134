using Corrections.Features.Notifications;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Features.Triage;
using Corrections.Outbox;
using Corrections.Pipeline;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Features.Replies;

public enum ReplyOutcome
{
    Applied,
    AlreadyApplied,
    NoteAdded,
    UnknownCommand,
    NotForAReport,
    NotAnEditor,
    NotVouchedFor,
    Repeat,
    Invalid,
}

/// <summary>A reply read from the mailbox, reduced to what decides its fate.</summary>
/// <param name="Sender">Whether the receiving server vouches for <paramref name="From"/>: without that, the reply changes nothing.</param>
public sealed record HandleEditorReply(string MessageId, string? Token, string From, string? FirstLine, string? Subject, SenderCheck Sender) : ICommand<ReplyOutcome>;

public sealed class HandleEditorReplyHandler(CorrectionsDb db, SiteDirectory sites, IMediator mediator, ILogger<HandleEditorReplyHandler> logger)
    : ICommandHandler<HandleEditorReply, ReplyOutcome>
{
    public async ValueTask<ReplyOutcome> Handle(HandleEditorReply reply, CancellationToken cancellationToken)
    {
        if (reply.Token is null)
        {
            logger.LogInformation("Reply {MessageId} carries no report token; ignored", reply.MessageId);
            return ReplyOutcome.NotForAReport;
        }
        var report = await db.Reports.AsNoTracking()
            .Where(r => r.ReplyToken == reply.Token)
            .Select(r => new ReplyTarget(r.Id, r.SiteKey, r.Desk))
            .FirstOrDefaultAsync(cancellationToken);
        var firstLine = reply.FirstLine;
        if (report is null && await db.Digests.AsNoTracking().Where(d => d.ReplyToken == reply.Token).Select(d => (long?)d.Id).FirstOrDefaultAsync(cancellationToken) is { } digestId)
        {
            // A reply to a digest names the report by its number there: "3 fixed".
            if (ReplyText.SplitNumber(firstLine) is not { } numbered)
            {
                logger.LogWarning("Reply {MessageId} to digest {DigestId} names no report by its number; ignored", reply.MessageId, digestId);
                return ReplyOutcome.UnknownCommand;
            }
            report = await db.DigestItems.AsNoTracking()
                .Where(i => i.DigestId == digestId && i.Number == numbered.Number)
                .Join(db.Reports, i => i.ReportId, r => r.Id, (i, r) => new ReplyTarget(r.Id, r.SiteKey, r.Desk))
                .FirstOrDefaultAsync(cancellationToken);
            if (report is null)
            {
                logger.LogWarning("Reply {MessageId} to digest {DigestId} names report number {Number}, which the digest does not have; ignored", reply.MessageId, digestId, numbered.Number);
                return ReplyOutcome.UnknownCommand;
            }
            firstLine = numbered.Command;
        }
        if (report is null)
        {
            logger.LogWarning("Reply {MessageId} carries a token of no report; ignored", reply.MessageId);
            return ReplyOutcome.NotForAReport;
        }
        var site = sites.Find(report.SiteKey);
        if (site is null || !site.MayTriage(reply.From, report.Desk))
        {
            logger.LogWarning("Reply {MessageId} about report {ReportId} comes from {From}, who is not an editor of {Site}; ignored",
                reply.MessageId, report.Id, reply.From, report.SiteKey);
            return ReplyOutcome.NotAnEditor;
        }
        if (await db.ReportEvents.AnyAsync(e => e.SourceMessageId == reply.MessageId, cancellationToken))
            return ReplyOutcome.Repeat;
        if (!reply.Sender.Vouched)
        {
            logger.LogWarning("Reply {MessageId} about report {ReportId} from {From} is not vouched for by the receiving server ({Reason}); nothing changed, the editor is pointed to the signed links",
                reply.MessageId, report.Id, reply.From, reply.Sender.Reason);
            await mediator.Send(new AnswerReply(report.Id, reply.From, reply.MessageId, reply.Subject, firstLine, ReplyAnswer.NotVouchedFor), cancellationToken);
            return ReplyOutcome.NotVouchedFor;
        }

        var command = ReplyText.Parse(firstLine);
        if (command.Unknown)
        {
            await mediator.Send(new AnswerReply(report.Id, reply.From, reply.MessageId, reply.Subject, firstLine, ReplyAnswer.NotUnderstood), cancellationToken);
            return ReplyOutcome.UnknownCommand;
        }
        try
        {
            var outcome = await mediator.Send(
                new TriageReport(report.Id, command.Action, reply.From, TriageChannel.Reply, command.Note, command.DuplicateOfId, reply.MessageId),
                cancellationToken);
            logger.LogInformation("Reply {MessageId} from {From}: {Action} on report {ReportId} on {Site}", reply.MessageId, reply.From, command.Action.Name(), report.Id, site.Key);
            return command.Action == TriageAction.Note ? ReplyOutcome.NoteAdded : outcome.Applied ? ReplyOutcome.Applied : ReplyOutcome.AlreadyApplied;
        }
        catch (RequestValidationException ex)
        {
            logger.LogWarning("Reply {MessageId} about report {ReportId} could not be applied: {Errors}", reply.MessageId, report.Id,
                string.Join("; ", ex.Errors.ToDictionary().SelectMany(e => e.Value)));
            return ReplyOutcome.Invalid;
        }
    }
}

internal sealed record ReplyTarget(Guid Id, string SiteKey, string? Desk);

/// <summary>Answers an editor's reply that changed nothing, through the outbox.</summary>
public sealed record AnswerReply(Guid ReportId, string Editor, string InReplyTo, string? Subject, string? Line, ReplyAnswer Answer) : ICommand<Unit>, ITransactionalCommand;

public sealed class AnswerReplyHandler(CorrectionsDb db, TimeProvider time) : ICommandHandler<AnswerReply, Unit>
{
    public ValueTask<Unit> Handle(AnswerReply command, CancellationToken cancellationToken)
    {
        db.Outbox.Add(OutboxNotifications.Create(new ReplyChangedNothing(command.ReportId, command.Editor, command.InReplyTo, command.Subject, command.Line, command.Answer), time.GetUtcNow()));
        return ValueTask.FromResult(Unit.Value);
    }
}
