using System.Net;
using Corrections.Configuration;
using Corrections.Features.Webhooks;
using Corrections.Outbound;

namespace Corrections.Tests.Webhooks;

public sealed class WebhookGuardTests
{
    private static IEnumerable<string> Errors(string url, string secret = "webhook-secret-0123456789abcdef", bool allowPrivate = false, string? eventName = null)
    {
        var options = new SitesOptions
        {
            Webhooks = new WebhooksSettings { AllowPrivateNetworks = allowPrivate },
            Sites =
            [
                new SiteOptions
                {
                    Key = "demo", Name = "Demo", Origins = ["https://news.example.org"], Editors = ["editors@news.example.org"],
                    Webhooks = [new WebhookOptions { Url = url, Secret = secret, Events = eventName is null ? [] : [eventName] }],
                },
            ],
        };
        var result = new OptionsValidation().Validate(null, options);
        return result.Failures ?? [];
    }

    [Theory]
    [InlineData("http://hooks.example.org/in", "must be https")]
    [InlineData("ftp://hooks.example.org/in", "must be an absolute https URL")]
    [InlineData("https://user:pw@hooks.example.org/in", "without user name or password")]
    [InlineData("https://10.0.0.5/in", "private, link-local or loopback")]
    [InlineData("https://192.168.1.20/in", "private, link-local or loopback")]
    [InlineData("https://169.254.169.254/latest", "private, link-local or loopback")]
    [InlineData("https://[fd00::1]/in", "private, link-local or loopback")]
    [InlineData("https://[::ffff:127.0.0.1]/in", "private, link-local or loopback")]
    [InlineData("http://127.0.0.1:9000/in", "private, link-local or loopback")]
    [InlineData("https://localhost/in", "private, link-local or loopback")]
    public void A_webhook_url_that_is_not_https_or_points_inside_stops_the_start(string url, string expected)
    {
        var error = Assert.Single(Errors(url));
        Assert.StartsWith("Sites:0:Webhooks:0:Url", error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Loopback_over_plain_http_is_taken_when_private_networks_are_allowed()
    {
        Assert.Empty(Errors("http://127.0.0.1:9000/in", allowPrivate: true));
        Assert.Empty(Errors("https://hooks.example.org/in"));
    }

    [Fact]
    public void A_short_secret_or_an_unknown_event_stops_the_start()
    {
        Assert.Contains(Errors("https://hooks.example.org/in", secret: "short"), e => e.StartsWith("Sites:0:Webhooks:0:Secret must be at least 24 characters"));
        Assert.Contains(Errors("https://hooks.example.org/in", eventName: "report.deleted"), e => e.StartsWith("Sites:0:Webhooks:0:Events:0 must be one of report.created, report.status_changed"));
    }

    [Fact]
    public async Task A_name_that_resolves_to_loopback_is_refused_when_connecting()
    {
        using var client = new HttpClient(new SocketsHttpHandler { ConnectCallback = PrivateNetworks.ConnectCallback(allowPrivateNetworks: false, host => $"{host} is private") });

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://localhost:{TestPorts.Next()}/"));

        Assert.IsType<RefusedAddressException>(failure.InnerException);
    }

    [Theory]
    [InlineData("93.184.215.14", false)]
    [InlineData("2606:2800:21f:cb07:6820:80da:af6b:8b2c", false)]
    [InlineData("127.0.0.1", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::1", true)]
    [InlineData("fe80::1", true)]
    public void Private_link_local_and_loopback_addresses_are_refused(string address, bool refused) =>
        Assert.Equal(refused, PrivateNetworks.IsPrivate(IPAddress.Parse(address)));

    [Fact]
    public void The_signature_is_the_hmac_sha256_of_the_seconds_a_dot_and_the_body()
    {
        // Computed with: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'webhook-secret-0123456789abcdef' -r
        var signature = WebhookSignature.Sign("webhook-secret-0123456789abcdef", DateTimeOffset.FromUnixTimeSeconds(1700000000), "{\"a\":1}"u8);

        Assert.Equal("t=1700000000,v1=b2386c98bb7377fe947f766d1c0d10683d2c0099007f87b23f5136c0982d7359", signature);
    }
}
