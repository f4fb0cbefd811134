using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Abuse;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Corrections.Tests.Abuse;

/// <summary>Per-client limits need the real client address: through the built service on a real socket.</summary>
public sealed class ForwardedForTests() : ServiceTest(TestRelay.None)
{
    private async Task<HttpClient> StartAsync(bool trustLoopbackProxy, int perClient = 2, int perNetwork = 0)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Abuse:ReportsPerClientPerMinute"] = perClient.ToString(),
            ["Abuse:ReportsPerNetworkPerMinute"] = perNetwork.ToString(),
        };
        if (trustLoopbackProxy)
            settings["Abuse:KnownProxies:0"] = "127.0.0.1";
        return (await StartProcessAsync(settings)).Client;
    }

    private static async Task<HttpStatusCode> SubmitFrom(HttpClient client, string forwardedFor, int n, bool bot = false)
    {
        using var response = await SendFrom(client, forwardedFor, n, bot);
        return response.StatusCode;
    }

    private static Task<HttpResponseMessage> SendFrom(HttpClient client, string forwardedFor, int n, bool bot = false)
    {
        var report = Infrastructure.Reports.Valid(exact: $"mistake {forwardedFor} {n}");
        if (bot)
            report["website"] = "https://spam.example.com";
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/reports") { Content = JsonContent.Create(report) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }

    private static async Task AssertTooManyFromYourNetwork(HttpResponseMessage refused)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        var problem = (await refused.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(429, (int)problem["status"]!);
        Assert.Contains("from your network", (string?)problem["detail"]);
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

    [Fact]
    public async Task Two_addresses_in_one_IPv6_64_share_one_client_limit()
    {
        var client = await StartAsync(trustLoopbackProxy: true);

        var sameSlash64 = new[]
        {
            await SubmitFrom(client, "2001:db8:0:1::1", 1), await SubmitFrom(client, "2001:db8:0:1::2", 1),
            await SubmitFrom(client, "2001:db8:0:1:ffff:ffff:ffff:ffff", 1),
        };
        var nextSlash64 = await SubmitFrom(client, "2001:db8:0:2::1", 1);

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], sameSlash64);
        Assert.Equal(HttpStatusCode.Accepted, nextSlash64);
    }

    [Fact]
    public async Task Two_IPv6_64s_in_one_48_have_their_own_client_limits_but_share_the_network_limit()
    {
        var client = await StartAsync(trustLoopbackProxy: true, perClient: 2, perNetwork: 3);

        var first = new[] { await SubmitFrom(client, "2001:db8:0:1::1", 1), await SubmitFrom(client, "2001:db8:0:1::1", 2) };
        var second = await SubmitFrom(client, "2001:db8:0:2::1", 1);
        using var third = await SendFrom(client, "2001:db8:0:3::1", 1);
        var otherSlash48 = await SubmitFrom(client, "2001:db8:1:1::1", 1);

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted], first);
        Assert.Equal(HttpStatusCode.Accepted, second);
        await AssertTooManyFromYourNetwork(third);
        Assert.Equal(HttpStatusCode.Accepted, otherSlash48);
    }

    [Fact]
    public async Task Two_IPv4_addresses_in_one_24_have_their_own_client_limits_but_share_the_network_limit()
    {
        var client = await StartAsync(trustLoopbackProxy: true, perClient: 2, perNetwork: 3);

        var first = new[] { await SubmitFrom(client, "198.51.100.1", 1), await SubmitFrom(client, "198.51.100.1", 2), await SubmitFrom(client, "198.51.100.1", 3) };
        var second = await SubmitFrom(client, "198.51.100.2", 1);
        using var third = await SendFrom(client, "198.51.100.3", 1);
        // An IPv4 address written as IPv6 is still in the /24.
        var mapped = await SubmitFrom(client, "::ffff:198.51.100.4", 1);
        var otherSlash24 = await SubmitFrom(client, "198.51.101.1", 1);

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests], first);
        Assert.Equal(HttpStatusCode.Accepted, second);
        await AssertTooManyFromYourNetwork(third);
        Assert.Equal(HttpStatusCode.TooManyRequests, mapped);
        Assert.Equal(HttpStatusCode.Accepted, otherSlash24);
    }

    [Fact]
    public async Task Reports_caught_by_a_bot_trap_count_against_their_network()
    {
        var client = await StartAsync(trustLoopbackProxy: true, perClient: 2, perNetwork: 3);

        var bots = new[] { await SubmitFrom(client, "198.51.100.1", 1, bot: true), await SubmitFrom(client, "198.51.100.2", 1, bot: true), await SubmitFrom(client, "198.51.100.3", 1, bot: true) };
        var reader = await SubmitFrom(client, "198.51.100.4", 1);

        Assert.All(bots, code => Assert.Equal(HttpStatusCode.Accepted, code));
        Assert.Equal(HttpStatusCode.TooManyRequests, reader);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7/32", "203.0.113.0/24")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7/32", "203.0.113.0/24")]
    [InlineData("2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", "2001:db8:aaaa:bbbb::/64", "2001:db8:aaaa::/48")]
    [InlineData("fe80::1%3", "fe80::/64", "fe80::/48")]
    public void A_client_is_an_IPv4_address_or_an_IPv6_64_and_its_network_a_24_or_a_48(string address, string client, string network)
    {
        Assert.Equal(client, ClientNetworks.ClientOf(IPAddress.Parse(address)));
        Assert.Equal(network, ClientNetworks.NetworkOf(IPAddress.Parse(address)));
        Assert.Equal(ClientNetworks.Unknown, ClientNetworks.ClientOf(null));
    }
}
