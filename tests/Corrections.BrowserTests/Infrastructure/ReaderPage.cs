using System.Text.Json;
using Microsoft.Playwright;

namespace Corrections.BrowserTests.Infrastructure;

/// <summary>A reader's tab with the widget loaded, and what the tests need to find, select and watch in it.</summary>
public sealed class ReaderPage : IAsyncDisposable
{
    private const string SelectScript = """
        ([startSelector, startText, endSelector, endText]) => {
          const locate = (selector, text, end) => {
            const root = document.querySelector(selector), walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), nodes = [];
            let all = '';
            for (let n; (n = walker.nextNode());) nodes.push([n, all.length]), all += n.data;
            const i = all.indexOf(text);
            if (i < 0) throw new Error(`"${text}" is not in ${selector}`);
            const at = end ? i + text.length : i;
            const [node, start] = nodes.find(([n, s]) => at >= s && (end ? at <= s + n.data.length : at < s + n.data.length));
            return [node, at - start];
          };
          const range = document.createRange();
          range.setStart(...locate(startSelector, startText, false));
          range.setEnd(...locate(endSelector, endText, true));
          const selection = getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }
        """;

    private const string FocusedScript = """
        () => {
          let a = document.activeElement;
          while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
          return a ? a.id || a.tagName.toLowerCase() + (a.className ? '.' + a.className : '') : null;
        }
        """;

    private ReaderPage(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }

    /// <summary>Uncaught script errors and console errors, CSP refusals among them.</summary>
    public List<string> Errors { get; } = [];

    public ILocator Dialog => Page.Locator("corrections-widget dialog");
    public ILocator Title => Page.Locator("corrections-widget dialog h2");
    public ILocator Passage => Page.Locator("corrections-widget dialog blockquote mark");
    public ILocator Correction => Page.Locator("corrections-widget #s");
    public ILocator Comment => Page.Locator("corrections-widget #c");
    public ILocator Email => Page.Locator("corrections-widget #e");
    public ILocator EmailError => Page.Locator("corrections-widget #er");
    public ILocator WrongWords => Page.Locator("corrections-widget #q");
    public ILocator Send => Page.Locator("corrections-widget button.k");
    public ILocator Status => Page.Locator("corrections-widget [role=status]");
    public ILocator FloatingButton => Page.Locator("corrections-widget button.f");
    public ILocator Hint => Page.Locator("#hint");

    public static async Task<ReaderPage> CreateAsync(IBrowserContext context)
    {
        await context.AddInitScriptAsync(
            "document.addEventListener('securitypolicyviolation', e => (window.__violations ||= []).push(e.violatedDirective + ' ' + e.blockedURI))");
        var page = await context.NewPageAsync();
        var reader = new ReaderPage(context, page);
        page.PageError += (_, error) => reader.Errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
                reader.Errors.Add($"{message.Text} ({message.Location})");
        };
        return reader;
    }

    /// <summary>Loads the page and waits until the widget has run; it asks for its site's settings only when a dialog opens.</summary>
    public async Task GotoAsync(string url)
    {
        await Page.GotoAsync(url);
        await Page.WaitForFunctionAsync("() => window.__corrections === 1");
    }

    public Task SelectAsync(string selector, string text) => SelectAsync(selector, text, selector, text);

    /// <summary>Selects from the start of one text to the end of another, as a reader dragging over the page would.</summary>
    public Task SelectAsync(string startSelector, string startText, string endSelector, string endText) =>
        Page.EvaluateAsync(SelectScript, new[] { startSelector, startText, endSelector, endText });

    /// <summary>The id (or tag and class) of the element that has the focus, looking into shadow roots.</summary>
    public Task<string?> FocusedAsync() => Page.EvaluateAsync<string?>(FocusedScript);

    public Task<string?> QueueAsync() => Page.EvaluateAsync<string?>("() => localStorage.getItem('corrections:queue')");

    public Task<string[]> ViolationsAsync() => Page.EvaluateAsync<string[]>("() => window.__violations || []");

    /// <summary>Presses Send and returns the report id the service answered with.</summary>
    public async Task<Guid> SendAsync()
    {
        var response = await Page.RunAndWaitForResponseAsync(() => Send.ClickAsync(), IsReportPost);
        Assert.Equal(202, response.Status);
        return ReportId(await response.TextAsync());
    }

    public static bool IsReportPost(IResponse response) =>
        response.Url.EndsWith("/api/reports", StringComparison.Ordinal) && response.Request.Method == "POST";

    public static Guid ReportId(string responseBody) =>
        JsonDocument.Parse(responseBody).RootElement.GetProperty("id").GetGuid();

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
