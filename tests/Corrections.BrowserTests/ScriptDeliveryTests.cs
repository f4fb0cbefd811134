using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Corrections.BrowserTests.Infrastructure;

namespace Corrections.BrowserTests;

[Collection(BrowserCollection.Name)]
public sealed class ScriptDeliveryTests(WidgetHarness harness) : IDisposable
{
    private const int GzipBudget = 8 * 1024;

    private readonly HttpClient client = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None });

    [Fact]
    public async Task The_script_fits_its_budget_gzipped_and_is_cacheable_by_anyone()
    {
        using var plain = await GetScriptAsync();
        using var gzipped = await GetScriptAsync("gzip");

        Assert.Equal(HttpStatusCode.OK, gzipped.StatusCode);
        Assert.Equal("gzip", Assert.Single(gzipped.Content.Headers.ContentEncoding));
        var compressed = await gzipped.Content.ReadAsByteArrayAsync();
        Assert.True(compressed.Length <= GzipBudget, $"widget.js is {compressed.Length} bytes gzipped; the budget is {GzipBudget}");
        await using (var unzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress))
        using (var text = new StreamReader(unzip))
            Assert.Equal(await plain.Content.ReadAsStringAsync(), await text.ReadToEndAsync());

        Assert.Equal("text/javascript", gzipped.Content.Headers.ContentType?.MediaType);
        Assert.True(gzipped.Headers.CacheControl is { Public: true, MaxAge: not null });
        Assert.False(gzipped.Headers.ETag!.IsWeak);
        Assert.NotEqual(plain.Headers.ETag, gzipped.Headers.ETag);
        Assert.Contains("Accept-Encoding", gzipped.Headers.Vary);
        Assert.Equal("*", gzipped.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.DoesNotContain("Origin", gzipped.Headers.Vary);
        Assert.Equal("cross-origin", gzipped.Headers.GetValues("Cross-Origin-Resource-Policy").Single());
    }

    [Fact]
    public async Task Brotli_is_preferred_and_a_cached_copy_is_confirmed_without_a_body()
    {
        using var brotli = await GetScriptAsync("gzip, br");
        Assert.Equal("br", Assert.Single(brotli.Content.Headers.ContentEncoding));

        using var request = new HttpRequestMessage(HttpMethod.Get, harness.Service.Origin + "/widget.js");
        request.Headers.AcceptEncoding.ParseAdd("gzip, br");
        request.Headers.IfNoneMatch.Add(brotli.Headers.ETag!);
        using var again = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("en", new[] { "/api/sites/demo/widget" })]
    [InlineData("uk", new[] { "/api/sites/demo/widget", "/widget/lang/uk.json" })]
    public async Task A_page_view_costs_the_script_alone_and_the_first_dialog_brings_the_settings_and_its_words(string lang, string[] onOpen)
    {
        var context = await harness.Browser.NewContextAsync(new() { Locale = "en-US" });
        await using var reader = await ReaderPage.CreateAsync(context);
        var requests = new List<string>();
        reader.Page.Request += (_, request) =>
        {
            if (request.Url.StartsWith(harness.Service.Origin, StringComparison.Ordinal))
                requests.Add(new Uri(request.Url).AbsolutePath);
        };

        await reader.GotoAsync($"{harness.Pages.Origin}/news/one-request-{lang}?lang={lang}");
        await reader.Page.WaitForLoadStateAsync(Microsoft.Playwright.LoadState.NetworkIdle);
        Assert.Equal(["/widget.js"], requests);

        await reader.SelectAsync("#cost", "goverment");
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await Microsoft.Playwright.Assertions.Expect(reader.Dialog).ToBeVisibleAsync();
        Assert.Equal(["/widget.js", .. onOpen], requests);

        await reader.Page.Keyboard.PressAsync("Escape");
        await Microsoft.Playwright.Assertions.Expect(reader.Dialog).ToHaveCountAsync(0);
        await reader.Page.Keyboard.PressAsync("Control+Enter");
        await Microsoft.Playwright.Assertions.Expect(reader.Dialog).ToBeVisibleAsync();
        Assert.Equal(1 + onOpen.Length, requests.Count); // once a page
    }

    [Fact]
    public async Task The_words_of_each_language_but_English_are_public_and_cacheable()
    {
        using var french = await client.GetAsync(harness.Service.Origin + "/widget/lang/fr.json");
        using var english = await client.GetAsync(harness.Service.Origin + "/widget/lang/en.json");

        Assert.Equal(HttpStatusCode.OK, french.StatusCode);
        var words = JsonDocument.Parse(await french.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Envoyer", words.GetProperty("k").GetString());
        Assert.Equal("*", french.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.True(french.Headers.CacheControl is { Public: true, MaxAge: not null });
        Assert.Equal(HttpStatusCode.NotFound, english.StatusCode); // English is in the script
    }

    [Fact]
    public async Task The_widget_settings_of_a_site_are_public_and_cacheable()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, harness.Service.Origin + "/api/sites/kyiv/widget");
        request.Headers.Add("Origin", harness.Pages.Origin);
        using var response = await client.SendAsync(request);
        using var unknown = await client.GetAsync(harness.Service.Origin + "/api/sites/nowhere/widget");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var settings = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Kyiv Daily", settings.GetProperty("name").GetString());
        Assert.Equal("uk", settings.GetProperty("language").GetString());
        Assert.Equal(CorrectionsService.MinimumFillMilliseconds, settings.GetProperty("minimumFillMilliseconds").GetInt32());
        Assert.Equal(3, settings.EnumerateObject().Count()); // nothing about editors or origins
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.True(response.Headers.CacheControl is { Public: true, MaxAge: not null });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    public void Dispose() => client.Dispose();

    private async Task<HttpResponseMessage> GetScriptAsync(string? acceptEncoding = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, harness.Service.Origin + "/widget.js");
        request.Headers.Add("Origin", harness.Pages.Origin); // a registered site's: still one answer for every origin
        if (acceptEncoding is not null)
            request.Headers.AcceptEncoding.ParseAdd(acceptEncoding);
        return await client.SendAsync(request);
    }
}
