using Corrections.Features.Replies;
using MimeKit;

namespace Corrections.Tests.Triage;

/// <summary>Which verdicts of the receiving server (RFC 8601 Authentication-Results) vouch for a reply's From.</summary>
public sealed class ReplyAuthenticationTests
{
    private const string Trusted = "mx.example.org";

    private static SenderCheck Check(string from, params string[] headers)
    {
        var reply = new MimeMessage();
        foreach (var header in headers)
            reply.Headers.Add("Authentication-Results", header);
        reply.From.Add(MailboxAddress.Parse(from));
        return ReplyAuthentication.Check(reply, Trusted);
    }

    [Theory]
    [InlineData("mx.example.org; dmarc=pass header.from=news.example.org")]
    [InlineData("MX.Example.org 1; dmarc=pass (p=reject) header.from=News.Example.org")]
    [InlineData("mx.example.org; dmarc=pass")]
    [InlineData("mx.example.org; spf=fail smtp.mailfrom=bounce.example.net; dkim=pass header.d=news.example.org header.s=2024; dmarc=none")]
    [InlineData("mx.example.org; dkim=fail header.d=news.example.org; dkim=pass header.d=news.example.org")]
    public void The_trusted_server_vouches_with_dmarc_pass_or_a_passing_dkim_signature_of_the_from_domain(string header)
    {
        Assert.True(Check("editors@news.example.org", header).Vouched);
    }

    [Theory]
    [InlineData("mx.example.org; spf=pass smtp.mailfrom=news.example.org")]
    [InlineData("mx.example.org; dkim=pass header.d=example.org; dmarc=none")]
    [InlineData("mx.example.org; dkim=pass header.d=mailer.example.com")]
    [InlineData("mx.example.org; dmarc=pass header.from=elsewhere.example.com")]
    [InlineData("mx.example.org; dmarc=fail header.from=news.example.org")]
    [InlineData("mx.example.org; none")]
    [InlineData("mx.example.org.evil.example.com; dmarc=pass header.from=news.example.org")]
    [InlineData("evil.example.com; dmarc=pass header.from=news.example.org")]
    [InlineData("not a header at all")]
    public void Anything_else_does_not_vouch(string header)
    {
        var check = Check("editors@news.example.org", header);

        Assert.False(check.Vouched);
        Assert.NotEmpty(check.Reason);
    }

    [Fact]
    public void Only_the_topmost_header_of_the_trusted_server_counts_not_one_that_came_with_the_mail()
    {
        const string forged = "mx.example.org; dkim=pass header.d=news.example.org; dmarc=pass header.from=news.example.org";

        Assert.False(Check("editors@news.example.org", "mx.example.org; dmarc=fail header.from=news.example.org", forged).Vouched);
        Assert.True(Check("editors@news.example.org", "other.example.net; dmarc=fail", forged).Vouched);
    }

    [Fact]
    public void A_reply_without_a_header_of_the_trusted_server_is_not_vouched_for_and_the_reason_says_so()
    {
        var check = Check("editors@news.example.org");

        Assert.False(check.Vouched);
        Assert.Equal("no Authentication-Results header from mx.example.org", check.Reason);
    }
}
