using Corrections.Outbox;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Corrections.Features.Notifications;

public enum ReplyAnswer
{
    /// <summary>The first line is no command: the answer lists them.</summary>
    NotUnderstood,

    /// <summary>The receiving server does not vouch for the sender: the answer points to the signed links.</summary>
    NotVouchedFor,
}

/// <summary>An editor's reply changed nothing; its sender is told why and what works.</summary>
public sealed record ReplyChangedNothing(Guid ReportId, string Editor, string InReplyTo, string? Subject, string? Line, ReplyAnswer Answer = ReplyAnswer.NotUnderstood)
    : IOutboxNotification
{
    // The type under which outboxes already hold such rows.
    public static string OutboxType => "ReplyNotUnderstood";
}

public sealed class AnswerReplyThatChangedNothing(CorrectionsDb db, EditorMail editorMail, IOptions<MailOptions> options, IMailTransport transport)
    : INotificationHandler<ReplyChangedNothing>
{
    public async ValueTask Handle(ReplyChangedNothing notification, CancellationToken cancellationToken)
    {
        var report = await db.Reports.AsNoTracking().FirstAsync(r => r.Id == notification.ReportId, cancellationToken);
        var from = MailboxAddress.Parse(options.Value.From);
        var message = new MimeMessage();
        message.From.Add(from);
        // To the editor's own address, whoever sent the reply: a forger learns nothing, the editor learns of the attempt.
        message.To.Add(MailboxAddress.Parse(notification.Editor));
        if (notification.Answer == ReplyAnswer.NotUnderstood && editorMail.ReplyAddress(report) is { } reply)
            message.ReplyTo.Add(MailboxAddress.Parse(reply));
        var subject = EditorMail.OneLine(notification.Subject ?? "", 150);
        message.Subject = subject.StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? subject : $"Re: {subject}";
        message.InReplyTo = notification.InReplyTo;
        message.References.Add(notification.InReplyTo);
        message.Headers.Add("Auto-Submitted", "auto-replied");
        var heard = EditorMail.OneLine(notification.Line ?? "", 80);
        message.Body = new TextPart("plain")
        {
            Text = notification.Answer switch
            {
                ReplyAnswer.NotVouchedFor =>
                    $"Your reply{(heard.Length > 0 ? $", “{heard}”," : "")} did not change report {report.Id}: the mail server that received it "
                    + "could not confirm that it came from your address (no DMARC or DKIM pass for your domain).\n\n"
                    + "Please use the links in the report's mail (Fixed, Reject, Duplicate, Spam) instead; they are signed for you.\n"
                    + "If you did not send this reply, someone may have tried to triage the report in your name.\n",
                _ =>
                    $"The first line of your reply{(heard.Length > 0 ? $", “{heard}”," : "")} is not a command, so report {report.Id} was not changed.\n\n"
                    + "Reply with one of these on the first line:\n  fixed\n  reject [reason]\n  duplicate [of ID]\n  spam\n  reopen\nAny other sentence is added to the report's history as a note.\n",
            },
        };
        message.Prepare(EncodingConstraint.SevenBit);
        await transport.SendAsync(message, cancellationToken);
    }
}
