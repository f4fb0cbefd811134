using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Corrections.Configuration;
using Corrections.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Corrections.Features.Inbox;

/// <summary>
/// Editors' sessions in the inbox, kept in the database so that every instance knows them. The cookie carries a random
/// id; the database holds its hash. A session ends when it expires, at "Sign out", or as soon as its address may
/// triage no site any more.
/// </summary>
public sealed class InboxSessions(CorrectionsDb db, SiteDirectory sites, TimeProvider time, IOptions<InboxOptions> options, IOptions<ServiceOptions> service)
{
    public const string CookieName = "corrections-inbox";
    public const string CookiePath = "/inbox";

    /// <summary>The signed-in editor's address, or null when the request has no live session.</summary>
    public async Task<string?> EditorAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (context.Request.Cookies[CookieName] is not { Length: > 0 and <= 100 } id)
            return null;
        var hash = Secrets.Hash(id);
        var now = time.GetUtcNow();
        var session = await db.InboxSessions.AsNoTracking().FirstOrDefaultAsync(s => s.IdHash == hash, cancellationToken);
        if (session is null || session.ExpiresAt <= now)
            return null;
        if (sites.TriagedBy(session.Editor).Count == 0)
        {
            await db.InboxSessions.Where(s => s.IdHash == hash).ExecuteDeleteAsync(cancellationToken);
            return null;
        }
        return session.Editor;
    }

    public async Task StartAsync(HttpContext context, string editor, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expires = now.AddDays(options.Value.SessionDays);
        var id = Secrets.NewToken();
        // Sessions that ran out are cleared here, where sessions are made, rather than by a job of their own.
        await db.InboxSessions.Where(s => s.ExpiresAt < now).ExecuteDeleteAsync(cancellationToken);
        db.InboxSessions.Add(new InboxSession { IdHash = Secrets.Hash(id), Editor = editor, CreatedAt = now, ExpiresAt = expires });
        await db.SaveChangesAsync(cancellationToken);
        context.Response.Cookies.Append(CookieName, id, CookieOptions(expires));
    }

    public async Task EndAsync(HttpContext context, CancellationToken cancellationToken)
    {
        if (context.Request.Cookies[CookieName] is { Length: > 0 and <= 100 } id)
        {
            var hash = Secrets.Hash(id);
            await db.InboxSessions.Where(s => s.IdHash == hash).ExecuteDeleteAsync(cancellationToken);
        }
        context.Response.Cookies.Delete(CookieName, CookieOptions(null));
    }

    private CookieOptions CookieOptions(DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Secure = service.Value.PublicUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase),
        SameSite = SameSiteMode.Lax,
        Path = CookiePath,
        Expires = expires,
        IsEssential = true,
    };
}

/// <summary>Random tokens for sign-in links and sessions, and the hashes under which the database knows them.</summary>
public static class Secrets
{
    public static string NewToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
