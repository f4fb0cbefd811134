using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Corrections.Configuration;

/// <summary>
/// This instance of the service as its outbox claims and leases name it in the database, so that it knows them again
/// after a restart. Read when first used, not when built: ConfigurationCheck names every bad key first.
/// </summary>
public sealed class InstanceIdentity(IOptions<InstanceOptions> instance, IOptions<DatabaseOptions> database)
{
    public string Name => instance.Value.Name;

    /// <summary>On SQLite, one instance by design: every claim in its database is this instance's, from an earlier run.</summary>
    public bool SoleInstance => database.Value.Provider == DatabaseProvider.Sqlite;

    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= InstanceOptions.MaxNameLength && name.All(IsNameCharacter);

    /// <summary>
    /// The host's name and a hash of the content root and the addresses the service listens on, such as
    /// <c>web01-3f2a9c1e</c>: the same at every start of one deployment, and different for two deployments on one host,
    /// or two started from one folder on different ports.
    /// </summary>
    public static string DefaultName(string machineName, string contentRoot, IConfiguration configuration)
    {
        string?[] addresses =
        [
            configuration["urls"], configuration["http_ports"], configuration["https_ports"],
            .. configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(endpoint => endpoint["Url"]),
        ];
        var deployment = string.Join('\n', [contentRoot, .. addresses]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(deployment)))[..8];
        var host = new string(machineName.ToLowerInvariant().Select(c => IsNameCharacter(c) ? c : '-').ToArray());
        if (host.Length == 0)
            host = "instance";
        return $"{host[..Math.Min(host.Length, InstanceOptions.MaxNameLength - hash.Length - 1)]}-{hash}";
    }

    private static bool IsNameCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';
}
