using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Corrections.Tests.Infrastructure;

/// <summary>One POST a webhook receiver got, with whether its signature held for the receiver's secret.</summary>
public sealed record WebhookDelivery(string Path, IReadOnlyDictionary<string, string> Headers, string Body, bool SignatureValid, long SignedAt)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
}

/// <summary>
/// A webhook receiver on 127.0.0.1 (Kestrel), answering with the statuses the test scripts (200 once they run out) and
/// checking each delivery's signature on its own, as docs/webhooks.md tells receivers to.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public const string Secret = "webhook-secret-0123456789abcdef";

    private readonly WebApplication app;
    private readonly ConcurrentQueue<int> statuses = new();

    private WebhookReceiver(WebApplication app, int port)
    {
        this.app = app;
        Port = port;
    }

    public int Port { get; }

    public string Url(string path = "/hook") => $"http://127.0.0.1:{Port}{path}";

    public ConcurrentQueue<WebhookDelivery> Deliveries { get; } = new();

    /// <summary>How long each answer waits before it is sent.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>The size of each answer's body, in bytes.</summary>
    public int AnswerBytes { get; set; }

    /// <summary>The statuses of the next answers, in order.</summary>
    public void AnswerWith(params int[] codes)
    {
        foreach (var code in codes)
            statuses.Enqueue(code);
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var port = TestPorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, port);
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var (valid, at) = Verify(headers.GetValueOrDefault("Corrections-Signature"), body);
            receiver.Deliveries.Enqueue(new WebhookDelivery(context.Request.Path, headers, body, valid, at));
            var status = receiver.statuses.TryDequeue(out var code) ? code : 200;
            if (receiver.Delay > TimeSpan.Zero)
                await Task.Delay(receiver.Delay, context.RequestAborted).ContinueWith(_ => { });
            context.Response.StatusCode = status;
            if (status is >= 300 and < 400)
                context.Response.Headers.Location = $"http://127.0.0.1:{port}/elsewhere";
            if (receiver.AnswerBytes > 0)
            {
                var answer = new byte[receiver.AnswerBytes];
                Array.Fill(answer, (byte)'x');
                try
                {
                    await context.Response.Body.WriteAsync(answer, context.RequestAborted);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                    // The service stopped reading: it reads at most 64 KB.
                }
            }
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>The check a receiver makes: <c>t=…,v1=…</c>, HMAC-SHA256 of <c>t.body</c>, compared in constant time.</summary>
    private static (bool Valid, long At) Verify(string? header, string body)
    {
        if (header is null)
            return (false, 0);
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !long.TryParse(t, out var seconds) || !parts.TryGetValue("v1", out var v1))
            return (false, 0);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
        var given = Convert.FromHexString(v1);
        return (CryptographicOperations.FixedTimeEquals(expected, given), seconds);
    }

    public async Task<List<WebhookDelivery>> WaitForAsync(int count)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (Deliveries.Count < count)
        {
            if (deadline.IsCancellationRequested)
                throw new TimeoutException($"The webhook receiver got {Deliveries.Count} of {count} deliveries");
            await Task.Delay(20);
        }
        return Deliveries.ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
