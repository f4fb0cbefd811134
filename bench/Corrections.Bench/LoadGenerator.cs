using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Corrections.Bench;

/// <summary>What a load run saw: answers by status code, latencies of the accepted ones, and the time it took.</summary>
public sealed class LoadResult
{
    public ConcurrentDictionary<int, int> StatusCodes { get; } = new();
    public Latencies Accepted { get; } = new();
    public Latencies All { get; } = new();
    public int Errors;
    public TimeSpan Elapsed { get; set; }

    public int Count(HttpStatusCode code) => StatusCodes.GetValueOrDefault((int)code);
    public double AcceptedPerSecond => Count(HttpStatusCode.Accepted) / Elapsed.TotalSeconds;
    public double RequestsPerSecond => StatusCodes.Values.Sum() / Elapsed.TotalSeconds;

    public string Codes => string.Join(", ", StatusCodes.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}")) + (Errors > 0 ? $", errors: {Errors}" : "");
}

/// <summary>Sends reports to <c>POST /api/reports</c>, either back to back on N connections or at a steady rate.</summary>
public sealed class LoadGenerator(HttpMessageInvoker client, Uri baseAddress, ReportBodies bodies)
{
    private readonly Uri reports = new(baseAddress, "/api/reports");

    /// <summary>Added to every request, e.g. an X-Forwarded-For to play a given client.</summary>
    public string? ForwardedFor { get; init; }

    /// <summary>Called with the body of each 202 and the moment it arrived.</summary>
    public Action<byte[], long>? OnAccepted { get; init; }

    /// <summary>
    /// <paramref name="connections"/> senders, each sending its next report as soon as the last is answered, for
    /// <paramref name="duration"/> after <paramref name="warmup"/> (whose answers are not counted), or until
    /// <paramref name="maxRequests"/> were counted.
    /// </summary>
    public async Task<LoadResult> RunClosedLoopAsync(int connections, TimeSpan duration, TimeSpan warmup, int? maxRequests = null, CancellationToken cancellationToken = default)
    {
        var result = new LoadResult();
        var start = Stopwatch.GetTimestamp();
        var countFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var stopAt = countFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var counted = 0;
        var workers = Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            // Each sender keeps its own lists, so that thousands of answers a second do not queue on one lock.
            var accepted = new List<double>();
            var all = new List<double>();
            while (!cancellationToken.IsCancellationRequested)
            {
                var sentAt = Stopwatch.GetTimestamp();
                if (sentAt >= stopAt)
                    break;
                var measured = sentAt >= countFrom;
                if (measured && maxRequests is { } max && Interlocked.Increment(ref counted) > max)
                    break;
                var code = await SendAsync(result, cancellationToken);
                if (!measured)
                    continue;
                var milliseconds = Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds;
                result.StatusCodes.AddOrUpdate(code, 1, (_, n) => n + 1);
                all.Add(milliseconds);
                if (code == (int)HttpStatusCode.Accepted)
                    accepted.Add(milliseconds);
            }
            result.All.AddRange(all);
            result.Accepted.AddRange(accepted);
        }, cancellationToken)).ToList();
        await Task.WhenAll(workers);
        result.Elapsed = Stopwatch.GetElapsedTime(countFrom);
        return result;
    }

    /// <summary>Sends <paramref name="perSecond"/> reports a second for <paramref name="duration"/>, each when its time comes, whatever the answers.</summary>
    public async Task<LoadResult> RunAtRateAsync(double perSecond, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var result = new LoadResult();
        var total = (int)Math.Round(perSecond * duration.TotalSeconds);
        var start = Stopwatch.GetTimestamp();
        var sends = new List<Task>(total);
        for (var i = 0; i < total; i++)
        {
            var due = start + (long)(i / perSecond * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
                await Task.Delay(wait, cancellationToken);
            sends.Add(Task.Run(async () =>
            {
                var sentAt = Stopwatch.GetTimestamp();
                var code = await SendAsync(result, cancellationToken);
                Record(result, code, sentAt);
            }, cancellationToken));
        }
        await Task.WhenAll(sends);
        result.Elapsed = Stopwatch.GetElapsedTime(start);
        return result;
    }

    private static void Record(LoadResult result, int code, long sentAt)
    {
        var milliseconds = Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds;
        result.StatusCodes.AddOrUpdate(code, 1, (_, n) => n + 1);
        result.All.Add(milliseconds);
        if (code == (int)HttpStatusCode.Accepted)
            result.Accepted.Add(milliseconds);
    }

    private async Task<int> SendAsync(LoadResult result, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, reports)
        {
            Content = new ByteArrayContent(bodies.Next()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        if (ForwardedFor is not null)
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", ForwardedFor);
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.Accepted)
                OnAccepted?.Invoke(body, Stopwatch.GetTimestamp());
            return (int)response.StatusCode;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref result.Errors);
            return 0;
        }
    }

    /// <summary>An HTTP/1.1 client with up to <paramref name="connections"/> kept-alive connections.</summary>
    public static HttpMessageInvoker CreateClient(int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
    });
}
