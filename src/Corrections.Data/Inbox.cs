namespace Corrections.Data;

/// <summary>
/// A sign-in link mailed to an editor. Only a hash of its token is kept, so that a copy of the database signs nobody
/// in; <see cref="UsedAt"/> makes it work once.
/// </summary>
public sealed class InboxSignIn
{
    /// <summary>The SHA-256 of the token, in hexadecimal.</summary>
    public required string TokenHash { get; set; }

    public required string Editor { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
}

/// <summary>An editor signed in to the inbox; the browser holds the id, the database only its hash.</summary>
public sealed class InboxSession
{
    /// <summary>The SHA-256 of the id in the cookie, in hexadecimal.</summary>
    public required string IdHash { get; set; }

    public required string Editor { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}
