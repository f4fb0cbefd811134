using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Corrections.Tests.Infrastructure;

/// <summary>One page the <see cref="ArticleServer"/> answers with; a test changes it as an editor would.</summary>
public sealed record ServedPage(string Body, string ContentType = "text/html; charset=utf-8", int Status = 200)
{
    public string? Location { get; init; }

    /// <summary>How long the server waits before it answers.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Sent as ETag; a request whose If-None-Match carries it gets 304.</summary>
    public string? ETag { get; init; }

    /// <summary>Sent as Last-Modified.</summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>Served many times over instead of <see cref="Body"/>, for pages of several megabytes.</summary>
    public int Repeat { get; init; } = 1;
}

/// <summary>A request as the <see cref="ArticleServer"/> received it.</summary>
public sealed record ArticleRequest(string Path, string? UserAgent, string? IfNoneMatch, string? IfModifiedSince);

/// <summary>A news site's web server on 127.0.0.1, serving the pages a test sets, and counting what it is asked.</summary>
public sealed class ArticleServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, ServedPage> pages = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ArticleRequest> requests = new();
    private int open;
    private int mostOpen;

    private ArticleServer(int port)
    {
        Port = port;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Origin);
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.Run(ServeAsync);
    }

    public int Port { get; }
    public string Origin => $"http://127.0.0.1:{Port}";
    public IReadOnlyList<ArticleRequest> Requests => requests.ToArray();

    /// <summary>The most requests the server was answering at one moment.</summary>
    public int MostOpen => Volatile.Read(ref mostOpen);

    public static async Task<ArticleServer> StartAsync()
    {
        var server = new ArticleServer(TestPorts.Next());
        await server.app.StartAsync();
        return server;
    }

    public string Url(string path) => Origin + path;

    public void Serve(string path, ServedPage page) => pages[path] = page;

    public void Serve(string path, string html) => Serve(path, new ServedPage(html));

    private async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        requests.Enqueue(new ArticleRequest(request.Path + request.QueryString, request.Headers.UserAgent, request.Headers.IfNoneMatch, request.Headers.IfModifiedSince));
        var now = Interlocked.Increment(ref open);
        for (var most = mostOpen; now > most; most = mostOpen)
            Interlocked.CompareExchange(ref mostOpen, now, most);
        try
        {
            if (!pages.TryGetValue(request.Path + request.QueryString, out var page))
            {
                context.Response.StatusCode = 404;
                return;
            }
            if (page.Delay > TimeSpan.Zero)
                await Task.Delay(page.Delay, context.RequestAborted);
            if (page.ETag is { } etag)
            {
                context.Response.Headers.ETag = etag;
                if (request.Headers.IfNoneMatch == etag)
                {
                    context.Response.StatusCode = 304;
                    return;
                }
            }
            if (page.LastModified is { } lastModified)
                context.Response.Headers.LastModified = lastModified.ToString("R");
            context.Response.StatusCode = page.Status;
            if (page.Location is { } location)
                context.Response.Headers.Location = location;
            context.Response.ContentType = page.ContentType;
            var body = Encoding.UTF8.GetBytes(page.Body);
            for (var i = 0; i < page.Repeat; i++)
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref open);
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(stop.Token);
        await app.DisposeAsync();
    }
}
