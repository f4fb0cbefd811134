using Corrections.Features.Reports.Submit;
using Corrections.Features.Replies;
using Corrections.Features.Triage;
using MimeKit;

namespace Corrections.Tests.Triage;

/// <summary>Replies laid out as Gmail, Outlook, Apple Mail and Thunderbird write them.</summary>
public sealed class ReplyTextTests
{
    private static MimeMessage Plain(string text) => new() { Body = new TextPart("plain") { Text = text } };

    public static TheoryData<string, string, string?> Replies() => new()
    {
        {
            "Gmail",
            "fixed\r\n\r\nOn Mon, Nov 25, 2024 at 10:00 AM Corrections <corrections@example.org>\r\nwrote:\r\n\r\n> 1 reader reported a mistake on Demo News:\r\n> Article title\r\n",
            "fixed"
        },
        {
            "Gmail, nothing written",
            "\r\nOn Mon, Nov 25, 2024 at 10:00 AM Corrections <\r\ncorrections@example.org> wrote:\r\n\r\n> fixed\r\n",
            null
        },
        {
            "Outlook",
            "Reject the spelling is the author's\r\n\r\n________________________________\r\nFrom: Corrections <corrections@example.org>\r\nSent: Monday, November 25, 2024 10:00 AM\r\nTo: editors@news.example.org\r\nSubject: [Demo News] fixed?\r\n\r\nfixed\r\n",
            "Reject the spelling is the author's"
        },
        {
            "Outlook, nothing written",
            "\r\nFrom: Corrections <corrections@example.org>\r\nSent: Monday, November 25, 2024 10:00 AM\r\nSubject: fixed\r\n",
            null
        },
        {
            "Apple Mail",
            "duplicate of 01934b1e-7c4a-7d2e-9b5f-3a2c1d0e9f87\r\n\r\nSent from my iPhone\r\n\r\n> On 25 Nov 2024, at 10:00, Corrections <corrections@example.org> wrote:\r\n> \r\n> 1 reader reported\r\n",
            "duplicate of 01934b1e-7c4a-7d2e-9b5f-3a2c1d0e9f87"
        },
        {
            "Thunderbird",
            "\r\nspam\r\n\r\n-- \r\nJane Editor\r\nDemo News\r\n\r\nOn 25/11/2024 10:00, Corrections wrote:\r\n> 1 reader reported\r\n",
            "spam"
        },
        {
            "Thunderbird, signature only",
            "-- \r\nJane Editor\r\n",
            null
        },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void The_first_line_is_what_the_editor_wrote_above_quotes_and_signature(string client, string body, string? expected)
    {
        Assert.True(expected == ReplyText.FirstLine(Plain(body)), client);
    }

    [Fact]
    public void An_html_only_reply_is_read_above_its_quote()
    {
        var message = new MimeMessage
        {
            Body = new TextPart("html")
            {
                Text = "<html><head><style>p{}</style></head><body><div dir=\"ltr\">Fixed&nbsp;</div><br><div class=\"gmail_quote\"><div>On Mon wrote:</div><blockquote>reject</blockquote></div></body></html>",
            },
        };

        Assert.Equal("Fixed", ReplyText.FirstLine(message));
    }

    [Theory]
    [InlineData("fixed", TriageAction.Fixed, null, null, false)]
    [InlineData("Fixed.", TriageAction.Fixed, null, null, false)]
    [InlineData("reject the author spelled it so", TriageAction.Reject, "the author spelled it so", null, false)]
    [InlineData("REJECTED", TriageAction.Reject, null, null, false)]
    [InlineData("duplicate of 01934b1e-7c4a-7d2e-9b5f-3a2c1d0e9f87", TriageAction.Duplicate, null, "01934b1e-7c4a-7d2e-9b5f-3a2c1d0e9f87", false)]
    [InlineData("duplicate", TriageAction.Duplicate, null, null, false)]
    [InlineData("spam", TriageAction.Spam, null, null, false)]
    [InlineData("reopen", TriageAction.Reopen, null, null, false)]
    [InlineData("Will ask the author tomorrow.", TriageAction.Note, "Will ask the author tomorrow.", null, false)]
    [InlineData("fixd", TriageAction.Note, null, null, true)]
    [InlineData("note", TriageAction.Note, null, null, true)]
    [InlineData(null, TriageAction.Note, null, null, true)]
    public void Commands_are_understood_and_other_text_becomes_a_note(string? line, TriageAction action, string? note, string? duplicateOf, bool unknown)
    {
        var command = ReplyText.Parse(line);

        Assert.Equal(new ReplyCommand(action, note, duplicateOf is null ? null : Guid.Parse(duplicateOf), unknown), command);
    }

    [Theory]
    [InlineData("abcdefghijklmnopqrstuvwxyz234567")]
    [InlineData("abcdefghijklmnopqrstuvwxyz")] // the shorter tokens of mails sent by earlier versions
    public void The_report_token_is_found_in_to_cc_or_delivered_to_for_the_configured_address_only(string token)
    {
        var inTo = new MimeMessage();
        inTo.To.Add(MailboxAddress.Parse($"Corrections <corrections+{token}@example.org>"));
        var inCc = new MimeMessage();
        inCc.To.Add(MailboxAddress.Parse("someone@example.org"));
        inCc.Cc.Add(MailboxAddress.Parse($"corrections+{token.ToUpperInvariant()}@EXAMPLE.org"));
        var delivered = new MimeMessage();
        delivered.To.Add(MailboxAddress.Parse("desk@example.org"));
        delivered.Headers.Add("Delivered-To", $"corrections+{token}@example.org");
        var otherDomain = new MimeMessage();
        otherDomain.To.Add(MailboxAddress.Parse($"corrections+{token}@evil.example"));
        var noToken = new MimeMessage();
        noToken.To.Add(MailboxAddress.Parse("corrections@example.org"));

        Assert.Equal(token, ReplyText.FindToken(inTo, "corrections@example.org"));
        Assert.Equal(token, ReplyText.FindToken(inCc, "corrections@example.org"));
        Assert.Equal(token, ReplyText.FindToken(delivered, "corrections@example.org"));
        Assert.Null(ReplyText.FindToken(otherDomain, "corrections@example.org"));
        Assert.Null(ReplyText.FindToken(noToken, "corrections@example.org"));
    }

    [Fact]
    public void Reply_tokens_begin_with_their_time_so_later_reports_sort_after_earlier_ones_and_differ_in_115_random_bits()
    {
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var keys = new ReportKeys();
        var first = keys.NewReplyToken(now);
        var sameMillisecond = keys.NewReplyToken(now);
        var later = keys.NewReplyToken(now.AddMilliseconds(1));
        var muchLater = keys.NewReplyToken(now.AddYears(900));

        foreach (var token in new[] { first, sameMillisecond, later, muchLater })
            Assert.Matches("^[a-z2-7]{32}$", token);
        Assert.Equal(first[..9], sameMillisecond[..9]);
        Assert.NotEqual(first, sameMillisecond);
        Assert.True(string.CompareOrdinal(first[..9], later[..9]) < 0);
        Assert.True(string.CompareOrdinal(later, muchLater) < 0);
        var times = Enumerable.Range(0, 2000).Select(i => now.AddMilliseconds(i * 997L * i)).ToList();
        var tokens = times.Select(keys.NewReplyToken).ToList();
        Assert.Equal(tokens, tokens.Order(StringComparer.Ordinal));
        var randomParts = Enumerable.Range(0, 1000).Select(_ => keys.NewReplyToken(now)[9..]).ToHashSet();
        Assert.Equal(1000, randomParts.Count);
        Assert.Equal(32, randomParts.SelectMany(part => part).Distinct().Count());
    }
}
