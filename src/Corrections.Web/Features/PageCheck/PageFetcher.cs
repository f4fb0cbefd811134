using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;
using Corrections.Configuration;
using Corrections.Outbound;
using Microsoft.Extensions.Options;

namespace Corrections.Features.PageCheck;

public enum FetchOutcome
{
    Page,

    /// <summary>The page has not changed since the validators sent with the request.</summary>
    NotModified,

    /// <summary>The page could not be read; <see cref="FetchedPage.Reason"/> says why.</summary>
    Failed,
}

/// <summary>An article as read, or why it could not be; its validators for the next request.</summary>
public sealed record FetchedPage(FetchOutcome Outcome, byte[]? Body = null, string? Charset = null, string? Reason = null, PageValidators? Validators = null)
{
    public static FetchedPage Failed(string reason) => new(FetchOutcome.Failed, Reason: reason);
}

/// <summary>What a conditional request sends back: the page's ETag and Last-Modified.</summary>
public sealed record PageValidators(string? ETag, DateTimeOffset? LastModified);

/// <summary>
/// Reads an article of a registered site, and nothing else: only URLs on the site's origins, over https (or http on a
/// loopback address), following at most <see cref="PageCheckOptions.MaxRedirects"/> redirects by hand, each of them on
/// the site's origins too, within <see cref="PageCheckOptions.TimeoutSeconds"/>, reading at most
/// <see cref="PageCheckOptions.MaxPageBytes"/>. Private and loopback addresses are refused when the connection is made
/// (<see cref="PrivateNetworks.ConnectCallback"/>), so a name that resolves to one cannot reach the service's network. At most
/// <see cref="PageCheckOptions.PerOriginConcurrency"/> reads go to one origin at once, and callers asking for the same
/// page at the same time share one read.
/// </summary>
public sealed class PageFetcher(
    IHttpClientFactory clients,
    IOptions<PageCheckOptions> options,
    IOptions<ServiceOptions> service,
    IHostApplicationLifetime lifetime,
    ILogger<PageFetcher> logger)
{
    public const string ClientName = "page-check";

    private readonly PageCheckOptions settings = options.Value;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> origins = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<FetchedPage>> reading = new(StringComparer.Ordinal);

    public string UserAgent { get; } = $"Corrections/{Version} (+{service.Value.PublicUrl})";

    private static string Version =>
        (typeof(PageFetcher).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0")
        .Split('+')[0];

    /// <summary>Reads the page, or joins a read of it that is under way; never throws for what the site answers.</summary>
    public Task<FetchedPage> FetchAsync(Site site, string url, PageValidators? validators, CancellationToken cancellationToken)
    {
        var key = $"{site.Key}\n{url}\n{validators?.ETag}\n{validators?.LastModified?.UtcTicks}";
        while (true)
        {
            if (reading.TryGetValue(key, out var underway))
                return underway.WaitAsync(cancellationToken);
            var read = new TaskCompletionSource<FetchedPage>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!reading.TryAdd(key, read.Task))
                continue;
            // Not the caller's token: others may be waiting for the same read. It ends within the timeout, or when the service stops.
            _ = ReadSharedAsync(read, key, site, url, validators);
            return read.Task.WaitAsync(cancellationToken);
        }
    }

    private async Task ReadSharedAsync(TaskCompletionSource<FetchedPage> read, string key, Site site, string url, PageValidators? validators)
    {
        try
        {
            read.SetResult(await ReadAsync(site, url, validators, lifetime.ApplicationStopping));
        }
        catch (Exception ex)
        {
            read.SetException(ex);
        }
        finally
        {
            reading.TryRemove(key, out _);
        }
    }

    private async Task<FetchedPage> ReadAsync(Site site, string url, PageValidators? validators, CancellationToken stopping)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return FetchedPage.Failed("not a URL");
        var gate = origins.GetOrAdd(Site.OriginOf(uri), _ => new SemaphoreSlim(settings.PerOriginConcurrency));
        await gate.WaitAsync(stopping);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds));
        try
        {
            return await FollowAsync(site, uri, validators, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            return FetchedPage.Failed($"timeout (no complete answer within {settings.TimeoutSeconds} s)");
        }
        catch (HttpRequestException ex) when (RefusedAddressException.In(ex) is { } refused)
        {
            return FetchedPage.Failed(refused.Message);
        }
        catch (HttpRequestException ex)
        {
            logger.LogInformation("Reading {Url} failed: {Error}", uri, ex.Message);
            return FetchedPage.Failed($"unreachable ({ex.HttpRequestError})");
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<FetchedPage> FollowAsync(Site site, Uri uri, PageValidators? validators, CancellationToken cancellationToken)
    {
        var client = clients.CreateClient(ClientName);
        for (var redirects = 0; ; redirects++)
        {
            if (Refusal(site, uri) is { } refusal)
                return FetchedPage.Failed(redirects == 0 ? refusal : $"redirected to {uri.GetLeftPart(UriPartial.Authority)}, {refusal}");
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            request.Headers.Accept.ParseAdd("text/html, application/xhtml+xml;q=0.9");
            if (validators?.ETag is { } etag)
                request.Headers.TryAddWithoutValidation("If-None-Match", etag);
            if (validators?.LastModified is { } lastModified)
                request.Headers.IfModifiedSince = lastModified;

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is 301 or 302 or 303 or 307 or 308)
            {
                if (redirects == settings.MaxRedirects)
                    return FetchedPage.Failed($"more than {settings.MaxRedirects} redirects");
                if (response.Headers.Location is not { } location)
                    return FetchedPage.Failed($"status {status} without a Location");
                uri = new Uri(uri, location);
                continue;
            }
            if (status == 304 && validators is not null)
                return new FetchedPage(FetchOutcome.NotModified, Validators: validators);
            if (status is < 200 or > 299)
                return FetchedPage.Failed($"status {status}");
            var type = response.Content.Headers.ContentType;
            if (type?.MediaType is not ("text/html" or "application/xhtml+xml"))
                return FetchedPage.Failed($"not HTML ({type?.MediaType ?? "no content type"})");
            if (response.Content.Headers.ContentLength > settings.MaxPageBytes)
                return FetchedPage.Failed(TooLarge);
            var body = await ReadBodyAsync(response.Content, cancellationToken);
            if (body is null)
                return FetchedPage.Failed(TooLarge);
            return new FetchedPage(FetchOutcome.Page, body, type.CharSet, Validators: new PageValidators(
                response.Headers.ETag?.ToString(), response.Content.Headers.LastModified));
        }
    }

    private string TooLarge => settings.MaxPageBytes % (1024 * 1024) == 0
        ? $"too large (over {settings.MaxPageBytes / (1024 * 1024)} MB)"
        : $"too large (over {settings.MaxPageBytes / 1024} KB)";

    /// <summary>The body, or null when it is longer than the limit: reading stops there, also for a compressed body.</summary>
    private async Task<byte[]?> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            if (body.Length + read > settings.MaxPageBytes)
                return null;
            body.Write(buffer, 0, read);
        }
        return body.ToArray();
    }

    /// <summary>Why the service will not read <paramref name="uri"/> for <paramref name="site"/>, or null when it may.</summary>
    public static string? Refusal(Site site, Uri uri)
    {
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && IsLoopbackHost(uri)))
            return "not https";
        if (!site.IsOwnOrigin(uri))
            return "not on the site's origins";
        return null;
    }

    private static bool IsLoopbackHost(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost, out var address) && IPAddress.IsLoopback(address));
}

public static class PageFetcherSetup
{
    public static IServiceCollection AddPageFetcher(this IServiceCollection services)
    {
        services.AddSingleton<PageFetcher>();
        // The fetcher logs what matters about a read; the client's own lines, two for each request, are left out.
        services.AddHttpClient(PageFetcher.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .RemoveAllLoggers()
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var allowPrivate = provider.GetRequiredService<IOptions<PageCheckOptions>>().Value.AllowPrivateNetworks;
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    UseProxy = false,
                    AutomaticDecompression = DecompressionMethods.All,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    ConnectCallback = PrivateNetworks.ConnectCallback(allowPrivate, _ => "a private or loopback address"),
                };
            });
        return services;
    }
}
