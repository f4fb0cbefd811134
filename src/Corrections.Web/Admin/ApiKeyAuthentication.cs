using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Corrections.Admin;

public sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";
}

public sealed class AdminOptions
{
    public const string Section = "Admin";
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];
}

/// <summary>Admin callers send <c>Authorization: Bearer KEY</c>; the key's name becomes the caller's name in the history.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    IOptions<AdminOptions> admin,
    ILoggerFactory logger,
    UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Policy = "admin";

    // Hashing first gives equal lengths, so the comparison takes the same time whatever the key.
    private readonly (string Name, byte[] Hash)[] keys = admin.Value.ApiKeys
        .Where(k => k.Key.Length > 0)
        .Select(k => (k.Name, SHA256.HashData(Encoding.UTF8.GetBytes(k.Key))))
        .ToArray();

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Task.FromResult(AuthenticateResult.NoResult());

        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        string? name = null;
        foreach (var key in keys)
            if (CryptographicOperations.FixedTimeEquals(presented, key.Hash))
                name = key.Name;
        if (name is null)
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "An API key is required.",
            detail: "Send one of the keys of Admin:ApiKeys as 'Authorization: Bearer KEY'.").ExecuteAsync(Context);
    }
}

public static class AdminSetup
{
    public static IServiceCollection AddAdminAuthentication(this IServiceCollection services)
    {
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        // No default scheme: only the admin endpoints, through their policy, look for a key; a reader's request is not
        // authenticated at all. ASP.NET Core would make the only scheme registered the default one unless told not to
        // (docs/decisions/0015-readers-requests-not-authenticated.md).
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyAuthenticationHandler.Policy, policy => policy
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser());
        return services;
    }
}
