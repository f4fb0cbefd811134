using System.Threading.RateLimiting;
using Corrections.Abuse;
using Corrections.Configuration;
using Corrections.Data;
using Corrections.Outbox;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using static Corrections.Pages.HtmlPage;

namespace Corrections.Features.Inbox;

/// <summary>
/// Signing in to the inbox by mail: an address asks for a link, the link opens a page whose button starts the session.
/// Opening the link changes nothing, because mail scanners open every link.
/// </summary>
public static class SignInEndpoints
{
    public static string LinkPath(string token) => $"/inbox/sign-in/{token}";

    public static IEndpointRouteBuilder MapInboxSignIn(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/inbox/sign-in", RequestLinkAsync).DisableAntiforgery().ExcludeFromDescription();
        routes.MapGet("/inbox/sign-in/{token}", ShowLinkAsync).ExcludeFromDescription();
        routes.MapPost("/inbox/sign-in/{token}", SignInAsync).DisableAntiforgery().ExcludeFromDescription();
        routes.MapPost("/inbox/sign-out", SignOutAsync).DisableAntiforgery().ExcludeFromDescription();
        return routes;
    }

    /// <summary>The page that asks for an address, shown at <c>/inbox</c> to a browser without a session.</summary>
    public static IResult AskForAddress(HttpContext context, IAntiforgery antiforgery, int statusCode = 200, string? notice = null)
    {
        var tokens = antiforgery.FormTokens(context);
        return Render(statusCode, "Sign in to the inbox", $"""
            {notice}
            <p>The inbox shows the open reports of the sites you edit. Enter your editor's address and we will mail you a link that signs you in.</p>
            <form method="post" action="/inbox/sign-in">
            <input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">
            <label for="address">Email address</label>
            <input type="email" id="address" name="address" autocomplete="email" required maxlength="254">
            <button type="submit">Mail me a link</button>
            </form>
            """);
    }

    private static async Task<IResult> RequestLinkAsync(
        HttpContext context, IAntiforgery antiforgery, SignInRateLimiter limiter, SiteDirectory sites, CorrectionsDb db,
        OutboxSignal outbox, TimeProvider time, IOptions<InboxOptions> options, CancellationToken cancellationToken)
    {
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
            return Render(400, "The form has expired", """<p><a href="/inbox">Open the sign-in page again</a> and send the form once more.</p>""");
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var address = form["address"].ToString().Trim();
        if (address.Length is 0 or > 254 || !MailboxAddress.TryParse(address, out var mailbox) || mailbox.Address != address || !address.Contains('@'))
            return AskForAddress(context, antiforgery, 400, $"""<p class="notice" role="alert">“{E(address)}” is not an email address.</p>""");

        using var lease = limiter.Acquire(context.Connection.RemoteIpAddress, address);
        if (!lease.IsAcquired)
        {
            context.Response.Headers.RetryAfter = "3600";
            return Render(429, "Too many sign-in links", $"<p>At most {options.Value.SignInRequestsPerHour} sign-in links can be asked for in an hour, for one address and from one connection. Use the last link you received, or try again later.</p>");
        }

        // The same answer whoever asks, so that the page tells nobody who the editors are.
        if (sites.TriagedBy(address).Count > 0)
        {
            db.Outbox.Add(OutboxNotifications.Create(new InboxSignInRequested(address), time.GetUtcNow()));
            await db.SaveChangesAsync(cancellationToken);
            outbox.Wake();
        }
        return Render(200, "Check your mail", $"<p>If {E(address)} is the address of an editor, a sign-in link is on its way to it. The link works once, within {options.Value.SignInLinkMinutes} minutes.</p>");
    }

    private static async Task<IResult> ShowLinkAsync(string token, HttpContext context, CorrectionsDb db, SiteDirectory sites, TimeProvider time, IAntiforgery antiforgery, CancellationToken cancellationToken)
    {
        var (signIn, failure) = await CheckAsync(token, db, sites, time, cancellationToken);
        if (failure is not null)
            return failure;
        var tokens = antiforgery.FormTokens(context);
        return Render(200, "Sign in to the inbox", $"""
            <p>Sign in as <strong>{E(signIn!.Editor)}</strong>. The session lasts until you sign out, for at most two weeks.</p>
            <form method="post" action="{E(LinkPath(token))}">
            <input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">
            <button type="submit">Sign in</button>
            </form>
            """);
    }

    private static async Task<IResult> SignInAsync(string token, HttpContext context, CorrectionsDb db, SiteDirectory sites, TimeProvider time, IAntiforgery antiforgery, InboxSessions sessions, CancellationToken cancellationToken)
    {
        var (signIn, failure) = await CheckAsync(token, db, sites, time, cancellationToken);
        if (failure is not null)
            return failure;
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
            return Render(400, "The form has expired", "<p>Open the link from the mail again and press the button once more.</p>");

        // Conditional, so that of two presses of one link only one starts a session, also on two instances.
        var now = time.GetUtcNow();
        var hash = signIn!.TokenHash;
        var claimed = await db.InboxSignIns
            .Where(s => s.TokenHash == hash && s.UsedAt == null && s.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.UsedAt, now), cancellationToken);
        if (claimed == 0)
            return UsedPage();
        await sessions.StartAsync(context, signIn.Editor, cancellationToken);
        return SeeOther.To(context, "/inbox");
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery, InboxSessions sessions, CancellationToken cancellationToken)
    {
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
            return Render(400, "The form has expired", """<p><a href="/inbox">Go back to the inbox</a> and press “Sign out” once more.</p>""");
        await sessions.EndAsync(context, cancellationToken);
        return Render(200, "Signed out", """<p>You are signed out of the inbox. <a href="/inbox">Sign in again</a></p>""");
    }

    private static async Task<(InboxSignIn? SignIn, IResult? Failure)> CheckAsync(string token, CorrectionsDb db, SiteDirectory sites, TimeProvider time, CancellationToken cancellationToken)
    {
        InboxSignIn? signIn = null;
        if (token.Length is > 0 and <= 100)
        {
            var hash = Secrets.Hash(token);
            signIn = await db.InboxSignIns.AsNoTracking().FirstOrDefaultAsync(s => s.TokenHash == hash, cancellationToken);
        }
        if (signIn is null)
            return (null, Render(400, "This link is not valid", """<p>The link is incomplete or was changed. Open it again from the mail, or <a href="/inbox">ask for a new one</a>.</p>"""));
        if (signIn.UsedAt is not null)
            return (null, UsedPage());
        if (signIn.ExpiresAt <= time.GetUtcNow())
            return (null, Render(410, "This link has expired", """<p>Sign-in links work for a few minutes only. <a href="/inbox">Ask for a new one</a>.</p>"""));
        if (sites.TriagedBy(signIn.Editor).Count == 0)
            return (null, Render(403, "Not an editor", $"<p>{E(signIn.Editor)} is no longer an editor of any site, so it cannot sign in.</p>"));
        return (signIn, null);
    }

    private static IResult UsedPage() =>
        Render(410, "This link was already used", """<p>A sign-in link works once. If you signed in with it, <a href="/inbox">open the inbox</a>; otherwise ask for a new link there.</p>""");
}

/// <summary>
/// Limits the sign-in links asked for per address and per client (<see cref="ClientNetworks.ClientOf"/>), so that
/// nobody can fill an editor's mailbox with them. Counts per instance, like the service's other limits.
/// </summary>
public sealed class SignInRateLimiter(IOptions<InboxOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(key =>
        options.Value.SignInRequestsPerHour == 0
            ? RateLimitPartition.GetNoLimiter(key)
            : RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = options.Value.SignInRequestsPerHour,
                Window = TimeSpan.FromHours(1),
                SegmentsPerWindow = 6,
                QueueLimit = 0,
            }), StringComparer.OrdinalIgnoreCase);

    /// <summary>A lease that is acquired only when both the client and the address are within their limits.</summary>
    public RateLimitLease Acquire(System.Net.IPAddress? client, string address)
    {
        var byClient = limiter.AttemptAcquire("client:" + ClientNetworks.ClientOf(client));
        if (!byClient.IsAcquired)
            return byClient;
        byClient.Dispose();
        return limiter.AttemptAcquire("address:" + address);
    }

    public void Dispose() => limiter.Dispose();
}
