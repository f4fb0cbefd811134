using System.Net;
using System.Net.Http.Json;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Abuse;

/// <summary>Per-client limits need the real client address: through the built service on a real socket.</summary>
public sealed class ForwardedForTests() : ServiceTest(TestRelay.None)
{
    private async Task<HttpClient> StartAsync(bool trustLoopbackProxy)
    {
        var settings = new Dictionary<string, string?> { ["Abuse:ReportsPerClientPerMinute"] = "2" };
        if (trustLoopbackProxy)
            settings["Abuse:KnownProxies:0"] = "127.0.0.1";
        return (await StartProcessAsync(settings)).Client;
    }

    private static async Task<HttpStatusCode> SubmitFrom(HttpClient client, string forwardedFor, int n)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/reports") { Content = JsonContent.Create(Infrastructure.Reports.Valid(exact: $"mistake {forwardedFor} {n}")) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return (await client.SendAsync(request)).StatusCode;
    }

    [Fact]
    public async Task Behind_a_known_proxy_each_forwarded_client_has_its_own_limit()
    {
        var client = await StartAsync(trustLoopbackProxy: true);

        var first = new[] { await SubmitFrom(client, "203.0.113.1", 1), await SubmitFrom(client, "203.0.113.1", 2), await SubmitFrom(client, "203.0.113.1", 3) };
        var second = await SubmitFrom(client, "203.0.113.2", 1);

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], first);
        Assert.Equal(HttpStatusCode.Accepted, second);
        await using var db = Data.CreateDb();
        var hashes = await db.ReportSubmissions.Select(s => s.ClientHash).ToListAsync();
        Assert.Equal(3, hashes.Count);
        Assert.All(hashes, h => Assert.Matches("^[0-9a-f]{32}$", h));
        Assert.Equal(2, hashes.Distinct().Count());
    }

    [Fact]
    public async Task From_an_unknown_proxy_the_forwarded_address_is_ignored()
    {
        var client = await StartAsync(trustLoopbackProxy: false);

        var codes = new[] { await SubmitFrom(client, "203.0.113.1", 1), await SubmitFrom(client, "203.0.113.2", 1), await SubmitFrom(client, "203.0.113.3", 1) };

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], codes);
    }
}
