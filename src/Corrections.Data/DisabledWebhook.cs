namespace Corrections.Data;

/// <summary>A webhook whose receiver answered <c>410 Gone</c>: nothing is sent to it until its configuration changes.</summary>
public sealed class DisabledWebhook
{
    /// <summary>The fingerprint of the webhook's configuration; a changed configuration has another.</summary>
    public required string Fingerprint { get; set; }
    public required string SiteKey { get; set; }

    /// <summary>The URL's host only: a path may be the webhook's secret.</summary>
    public required string Host { get; set; }
    public DateTimeOffset DisabledAt { get; set; }
}
