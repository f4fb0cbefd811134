using Corrections.Configuration;
using Microsoft.Playwright;

namespace Corrections.BrowserTests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<WidgetHarness>
{
    public const string Name = "browser";
}

/// <summary>One service, one test site and one Chromium for all the browser tests; each test gets a fresh browser context.</summary>
public sealed class WidgetHarness : IAsyncLifetime
{
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

    private readonly TestData data = new(DatabaseProvider.Sqlite);
    private IPlaywright? playwright;
    private IBrowser? browser;
    private TestPages? pages;
    private CorrectionsService? service;

    public CorrectionsService Service => service ?? throw new InvalidOperationException("The service has not started");
    public TestPages Pages => pages ?? throw new InvalidOperationException("The test site has not started");
    public IBrowser Browser => browser ?? throw new InvalidOperationException("Chromium has not started");

    /// <summary>Screenshots for people to look at: bin/.../artifacts.</summary>
    public static string Artifacts { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    public async Task InitializeAsync()
    {
        // The test site links to the service and the service lists the site's origin: the service's port is chosen first.
        // Should it be taken before the service binds it (by a server that another test run started meanwhile), both
        // start again on another.
        for (var attempt = 1; ; attempt++)
        {
            var port = TestPorts.Next();
            pages = await TestPages.StartAsync($"http://127.0.0.1:{port}");
            try
            {
                service = await CorrectionsService.StartAsync(data, port, pages.Origin);
                break;
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase) && attempt < 5)
            {
                await pages.DisposeAsync();
            }
        }
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Headless = true, Args = ChromiumArgs });
    }

    /// <summary>Opens a page of the test site (or of the service, for an absolute URL) in a new browser context.</summary>
    public async Task<ReaderPage> OpenAsync(string pathOrUrl, BrowserNewContextOptions? options = null)
    {
        var context = await Browser.NewContextAsync(options ?? new() { Locale = "en-US" });
        var reader = await ReaderPage.CreateAsync(context);
        await reader.GotoAsync(pathOrUrl.StartsWith("http", StringComparison.Ordinal) ? pathOrUrl : Pages.Origin + pathOrUrl);
        return reader;
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
            await browser.CloseAsync();
        playwright?.Dispose();
        if (service is not null)
            await service.DisposeAsync();
        if (pages is not null)
            await pages.DisposeAsync();
        data.Dispose();
    }
}
