using System.Security.Cryptography;
using System.Text.Json;
using Corrections.Configuration;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Corrections.Features.Triage;

public sealed record TriageLink(Guid ReportId, TriageAction Action, string Editor, DateTimeOffset ExpiresAt);

public enum TriageLinkState
{
    Valid,
    Expired,
    Invalid,
}

/// <summary>
/// Signed action links for the editors' mail. Data Protection signs and encrypts the payload; the expiry travels
/// inside it and is checked against the service's clock, so that an expired link can be told from a forged one.
/// </summary>
public sealed class TriageLinks(IDataProtectionProvider dataProtection, TimeProvider time, IOptions<ServiceOptions> service, IOptions<TriageOptions> options)
{
    private readonly IDataProtector protector = dataProtection.CreateProtector("Corrections.Triage.Link.v1");

    public string Url(Guid reportId, TriageAction action, string editor) =>
        $"{service.Value.PublicUrl.TrimEnd('/')}/triage/{Token(reportId, action, editor)}";

    public string Token(Guid reportId, TriageAction action, string editor, DateTimeOffset? expiresAt = null)
    {
        var expires = expiresAt ?? time.GetUtcNow().AddDays(options.Value.LinkExpiryDays);
        return protector.Protect(JsonSerializer.Serialize(new Payload(reportId, action.Name(), editor, expires.ToUnixTimeSeconds())));
    }

    public (TriageLinkState State, TriageLink? Link) Read(string token)
    {
        Payload? payload;
        try
        {
            payload = JsonSerializer.Deserialize<Payload>(protector.Unprotect(token));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or JsonException)
        {
            return (TriageLinkState.Invalid, null);
        }
        if (payload is null || !TriageActions.TryParse(payload.A, out var action) || string.IsNullOrEmpty(payload.E))
            return (TriageLinkState.Invalid, null);

        var link = new TriageLink(payload.R, action, payload.E, DateTimeOffset.FromUnixTimeSeconds(payload.X));
        return (link.ExpiresAt <= time.GetUtcNow() ? TriageLinkState.Expired : TriageLinkState.Valid, link);
    }

    private sealed record Payload(Guid R, string A, string E, long X);
}
