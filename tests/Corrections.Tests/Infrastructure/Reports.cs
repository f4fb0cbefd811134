using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Corrections.Tests.Infrastructure;

/// <summary>Readers' reports as the widget sends them, and the report API as both hosts of the service answer it.</summary>
public static class Reports
{
    public const string DemoEditor = "editors@news.example.org";

    /// <summary>The Message-ID of the editors' mail about a report, as the demo site's editor receives it.</summary>
    public static string MessageId(Guid reportId, string editor = DemoEditor) =>
        $"report-{reportId:N}.{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(editor.ToLowerInvariant())))[..8]}@localhost";

    public static JsonObject Valid(string? clientRequestId = null, string exact = "brave new wrold", string url = "https://news.example.org/2024/11/25/article") => new()
    {
        ["site"] = "demo",
        ["url"] = url,
        ["title"] = "Europe's new security order",
        ["lang"] = "en",
        ["selection"] = new JsonObject
        {
            ["exact"] = exact,
            ["prefix"] = "Welcome to the ",
            ["suffix"] = " of European security.",
        },
        ["suggestion"] = "brave new world",
        ["comment"] = "typo",
        ["readerEmail"] = "reader@example.net",
        ["clientRequestId"] = clientRequestId ?? Guid.NewGuid().ToString(),
    };

    public static Task<HttpResponseMessage> SubmitAsync(this HttpClient client, JsonObject report, CancellationToken cancellationToken = default) =>
        client.PostAsync("/api/reports", JsonContent.Create(report), cancellationToken);

    /// <summary>Submits a report that must be accepted, and returns its id.</summary>
    public static async Task<Guid> SubmitAcceptedAsync(this HttpClient client, JsonObject report)
    {
        using var response = await client.SubmitAsync(report);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await IdOf(response);
    }

    /// <summary>The id of the report in a 202's body.</summary>
    public static async Task<Guid> IdOf(HttpResponseMessage accepted)
    {
        var body = await accepted.Content.ReadFromJsonAsync<JsonObject>();
        return Guid.Parse((string)body!["id"]!);
    }
}
