using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Corrections.Configuration;
using Corrections.Outbound;

namespace Corrections.Features.Webhooks;

/// <summary>A delivery that did not get a 2xx answer: <see cref="StatusCode"/> is null when no answer came at all.</summary>
public sealed class WebhookDeliveryException(int? statusCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int? StatusCode { get; } = statusCode;
}

/// <summary>POSTs signed deliveries; see <see cref="WebhooksSetup"/> for the connection's limits.</summary>
public sealed class WebhookSender(HttpClient client, TimeProvider time)
{
    public const int MaxResponseBytes = 64 * 1024;

    /// <summary>Sends the body and returns the receiver's status code; throws <see cref="WebhookDeliveryException"/> when no answer came.</summary>
    public async Task<(HttpStatusCode Status, string Answer)> SendAsync(Webhook webhook, byte[] body, Guid idempotencyKey, string eventType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(webhook.Secret, time.GetUtcNow(), body));
        request.Headers.Add("Idempotency-Key", idempotencyKey.ToString());
        request.Headers.Add("Corrections-Event", eventType);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return (response.StatusCode, await ReadAnswerAsync(response, cancellationToken));
        }
        catch (HttpRequestException ex) when (RefusedAddressException.In(ex) is { } refused)
        {
            throw new RefusedAddressException(refused.Message);
        }
        catch (HttpRequestException ex)
        {
            throw new WebhookDeliveryException(null, $"The webhook at {webhook.Url.Host} could not be reached: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WebhookDeliveryException(null, $"The webhook at {webhook.Url.Host} did not answer within {client.Timeout.TotalSeconds:0} s", ex);
        }
    }

    /// <summary>The start of the answer, for the outbox's last error; at most <see cref="MaxResponseBytes"/> are read, the rest is left unread.</summary>
    private static async Task<string> ReadAnswerAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxResponseBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            length += read;
        var text = Encoding.UTF8.GetString(buffer, 0, Math.Min(length, 300));
        return new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
    }
}

public static class WebhooksSetup
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddSingleton<WebhookPayloads>();
        services.AddHttpClient<WebhookSender>(client => client.Timeout = Timeout)
            .ConfigurePrimaryHttpMessageHandler(provider => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
                ConnectTimeout = Timeout,
                ConnectCallback = PrivateNetworks.ConnectCallback(
                    provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<SitesOptions>>().Value.Webhooks.AllowPrivateNetworks,
                    host => $"The webhook's host {host} resolves only to private, link-local or loopback addresses, which webhooks may reach only with Webhooks:AllowPrivateNetworks=true"),
            });
        return services;
    }
}
