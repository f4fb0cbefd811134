using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Corrections.Features.Reports.Submit;
using Corrections.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Corrections.Tests.Reports;

/// <summary>A page on an origin its site does not list: its reader is told, and so is the operator.</summary>
public sealed class RefusedOriginTests : ServiceTest
{
    private static HttpRequestMessage Preflight(string origin) => new(HttpMethod.Options, "/api/reports")
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", "POST" },
            { "Access-Control-Request-Headers", "content-type" },
        },
    };

    private static HttpRequestMessage Submission(string origin, JsonObject? report = null) => new(HttpMethod.Post, "/api/reports")
    {
        Headers = { { "Origin", origin } },
        Content = JsonContent.Create(report ?? Infrastructure.Reports.Valid()),
    };

    private List<CapturedLogs.LogLine> RefusalLines() =>
        App.Logs.Lines.Where(l => l.Category == typeof(RefusedOrigins).FullName && l.Level == LogLevel.Warning).ToList();

    [Fact]
    public async Task A_page_on_any_origin_passes_the_preflight_so_that_it_can_read_the_answer()
    {
        var client = App.CreateClient();

        var registered = await client.SendAsync(Preflight("https://news.example.org"));
        var other = await client.SendAsync(Preflight("https://mirror.example.com"));

        Assert.Equal("https://news.example.org", registered.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("https://mirror.example.com", other.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task A_report_from_an_origin_the_site_does_not_list_gets_a_403_the_page_can_read_naming_the_setting_and_nothing_is_stored()
    {
        var response = await App.CreateClient().SendAsync(Submission("https://mirror.example.com"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("https://mirror.example.com", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("https://mirror.example.com", (string?)problem!["detail"]);
        Assert.Contains("Origins", (string?)problem["detail"]);
        Assert.Equal(0, await App.QueryAsync(db => Task.FromResult(db.Reports.Count())));
    }

    [Fact]
    public async Task A_refused_origin_is_logged_once_an_hour_per_site_and_origin()
    {
        var client = App.CreateClient();

        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Submission("https://mirror.example.com"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Submission("https://other.example.com"))).StatusCode);
        var firstHour = RefusalLines();
        App.Time.Advance(TimeSpan.FromMinutes(61));
        await client.SendAsync(Submission("https://mirror.example.com"));

        Assert.Equal(2, firstHour.Count);
        Assert.Contains("https://mirror.example.com", firstHour[0].Message);
        Assert.Contains("demo", firstHour[0].Message);
        Assert.Contains("Sites:N:Origins", firstHour[0].Message);
        Assert.Contains("https://other.example.com", firstHour[1].Message);
        Assert.Equal(3, RefusalLines().Count);
    }
}
