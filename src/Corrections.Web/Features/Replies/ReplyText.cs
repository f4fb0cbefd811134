using System.Text.RegularExpressions;
using Corrections.Features.Triage;
using MimeKit;
using System.Net;

namespace Corrections.Features.Replies;

public sealed record ReplyCommand(TriageAction Action, string? Note, Guid? DuplicateOfId, bool Unknown = false);

/// <summary>Reads an editor's reply: which report it answers, and the command on its first line of new text.</summary>
public static partial class ReplyText
{
    /// <summary>The token of <c>local+TOKEN@domain</c> in To, Cc or Delivered-To, for the configured replies address.</summary>
    public static string? FindToken(MimeMessage message, string repliesAddress)
    {
        var at = repliesAddress.LastIndexOf('@');
        var local = repliesAddress[..at] + "+";
        var domain = repliesAddress[(at + 1)..];
        var candidates = message.To.Mailboxes.Concat(message.Cc.Mailboxes).Select(m => m.Address)
            .Concat(message.Headers.Where(h => h.Field.Equals("Delivered-To", StringComparison.OrdinalIgnoreCase) || h.Field.Equals("X-Original-To", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value.Trim().Trim('<', '>')));
        foreach (var address in candidates)
        {
            var split = address.LastIndexOf('@');
            if (split < 0 || !address[(split + 1)..].Equals(domain, StringComparison.OrdinalIgnoreCase))
                continue;
            var part = address[..split];
            if (part.StartsWith(local, StringComparison.OrdinalIgnoreCase) && TokenShape().IsMatch(part[local.Length..]))
                return part[local.Length..].ToLowerInvariant();
        }
        return null;
    }

    /// <summary>
    /// The first line the editor wrote: above the quoted mail, whatever the client (Gmail's and Thunderbird's
    /// "On … wrote:", Outlook's "From: … Sent: …" block or underscore rule, Apple Mail's quote, "&gt;" lines) and above the signature.
    /// </summary>
    public static string? FirstLine(MimeMessage message)
    {
        var text = message.TextBody;
        if (string.IsNullOrWhiteSpace(text) && message.HtmlBody is { } html)
            text = HtmlAsText(html);
        if (string.IsNullOrWhiteSpace(text))
            return null;

        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim().Trim('\u00A0', '\u200B', '\uFEFF');
            if (line.Length == 0)
                continue;
            if (EndsReply(line, i + 1 < lines.Length ? lines[i + 1].Trim() : ""))
                return null;
            return line;
        }
        return null;
    }

    private static bool EndsReply(string line, string next) =>
        line.StartsWith('>')
        || line == "--" // the signature separator "-- ", trimmed
        || QuoteHeader().IsMatch(line)
        || (QuoteHeaderStart().IsMatch(line) && QuoteHeaderEnd().IsMatch(next))
        || OutlookRule().IsMatch(line)
        || OutlookHeader().IsMatch(line);

    /// <summary>The new text of an HTML-only reply: what comes before the quoted mail, tags dropped, one line per block.</summary>
    private static string HtmlAsText(string html)
    {
        var quote = QuotedHtml().Match(html);
        var fresh = quote.Success ? html[..quote.Index] : html;
        fresh = HiddenHtml().Replace(fresh, "");
        fresh = BlockBreak().Replace(fresh, "\n");
        fresh = AnyTag().Replace(fresh, "");
        return WebUtility.HtmlDecode(fresh);
    }

    /// <summary>A reply to a digest: the report's number there, then the command, as in "3 fixed" or "#2: spam".</summary>
    public static (int Number, string Command)? SplitNumber(string? line)
    {
        var match = line is null ? Match.Empty : NumberedLine().Match(line);
        return match.Success && int.TryParse(match.Groups[1].Value, out var number) && number > 0 ? (number, match.Groups[2].Value.Trim()) : null;
    }

    [GeneratedRegex(@"^\s*[#\[]?(\d{1,4})[\]\).:]?\s+(\S.*)$", RegexOptions.Singleline)]
    private static partial Regex NumberedLine();

    public static ReplyCommand Parse(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
            return new ReplyCommand(TriageAction.Note, null, null, Unknown: true);
        var words = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
        var word = words[0].TrimEnd('.', '!', ',', ':', ';').ToLowerInvariant();
        var rest = words.Length > 1 ? words[1].Trim() : null;

        if (word == "rejected")
            word = "reject";
        if (TriageActions.TryParse(word, out var action) && action != TriageAction.Note)
        {
            return action switch
            {
                TriageAction.Reject => new ReplyCommand(action, rest, null),
                TriageAction.Duplicate => DuplicateOf(rest) is { } original
                    ? new ReplyCommand(action, null, original)
                    : new ReplyCommand(action, rest, null),
                _ => new ReplyCommand(action, rest, null),
            };
        }
        // A lone unknown word is a mistyped command; a sentence is a note for the history.
        return words.Length == 1 && word.Length <= 20 && word.All(char.IsLetter)
            ? new ReplyCommand(TriageAction.Note, null, null, Unknown: true)
            : new ReplyCommand(TriageAction.Note, line.Trim(), null);
    }

    private static Guid? DuplicateOf(string? rest)
    {
        if (rest is null)
            return null;
        var match = ReportId().Match(rest);
        return match.Success && Guid.TryParse(match.Value, out var id) ? id : null;
    }

    [GeneratedRegex(@"<blockquote|class=""?(gmail_quote|moz-cite-prefix)|id=""?(divRplyFwdMsg|appendonsend)", RegexOptions.IgnoreCase)]
    private static partial Regex QuotedHtml();

    [GeneratedRegex(@"<(head|style|script)\b.*?</\1>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex HiddenHtml();

    [GeneratedRegex(@"<br\s*/?>|</(p|div|li|h\d|tr)>", RegexOptions.IgnoreCase)]
    private static partial Regex BlockBreak();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex AnyTag();

    // 32 characters; mails sent before tokens began with their time carry 26.
    [GeneratedRegex("^[a-z2-7]{26}([a-z2-7]{6})?$", RegexOptions.IgnoreCase)]
    private static partial Regex TokenShape();

    [GeneratedRegex(@"^(On|Le|Am|El|W dniu|Op)\b.*\b(wrote|écrit|schrieb|escribió|napisał|geschreven)\s*:?$", RegexOptions.IgnoreCase)]
    private static partial Regex QuoteHeader();

    [GeneratedRegex(@"^(On|Le|Am|El|W dniu|Op)\s.*\d", RegexOptions.IgnoreCase)]
    private static partial Regex QuoteHeaderStart();

    [GeneratedRegex(@"(wrote|écrit|schrieb|escribió|napisał|geschreven)\s*:\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex QuoteHeaderEnd();

    [GeneratedRegex(@"^(_{10,}|-{5,}\s*Original Message\s*-{5,}|-{5,}\s*Ursprüngliche Nachricht\s*-{5,})$", RegexOptions.IgnoreCase)]
    private static partial Regex OutlookRule();

    [GeneratedRegex(@"^\*?(From|Von|De|Od|От|Від)\s*:\*?\s.+", RegexOptions.IgnoreCase)]
    private static partial Regex OutlookHeader();

    [GeneratedRegex(@"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")]
    private static partial Regex ReportId();
}
