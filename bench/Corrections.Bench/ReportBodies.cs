using System.Text;
using System.Text.Json;

namespace Corrections.Bench;

/// <summary>
/// Reports of about 650 bytes for the demo site, each with its own client request id. Each has its own passage too, so
/// none is joined to another, unless <paramref name="passages"/> is set: then report n is about passage n modulo it, as
/// when many readers report the same few mistakes of a viral article, and each joins that passage's report. Caught by
/// the bot trap, they are stored the same way but with no outbox row, and never mailed.
/// </summary>
public sealed class ReportBodies(string runId, bool caughtByBotTrap = false, int passages = 0)
{
    private const string Prefix = "The minister said on Tuesday that the agreement, which had been negotiated over eighteen months, would be signed in ";
    private const string Suffix = " at the end of the month, after the parliaments of both countries have approved the final text of the treaty.";

    private long next;

    public byte[] Next() => Create(Interlocked.Increment(ref next));

    public byte[] Create(long n)
    {
        var passage = passages > 0 ? n % passages : n;
        var report = new
        {
            site = "demo",
            url = $"https://news.example.org/2026/11/25/bench-article-{passage % 997}",
            title = "Neighbours sign a treaty on the shared river after eighteen months",
            lang = "en",
            selection = new { exact = $"Brusels {runId} {passage}", prefix = Prefix, suffix = Suffix },
            suggestion = $"Brussels {runId} {n}",
            comment = "The city's name is misspelt.",
            readerEmail = "reader@example.net",
            clientRequestId = $"{runId}-{n}",
            website = caughtByBotTrap ? "http://spam.example" : "",
            elapsedMs = 5200,
        };
        return JsonSerializer.SerializeToUtf8Bytes(report);
    }

    /// <summary>The size of a typical body, for the report.</summary>
    public int TypicalSize => Create(123_456).Length;

    public static string NewRunId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..4]);

    public override string ToString() => Encoding.UTF8.GetString(Create(1));
}
