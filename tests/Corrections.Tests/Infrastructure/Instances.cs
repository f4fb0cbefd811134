using Corrections.Configuration;
using Microsoft.Extensions.Options;

namespace Corrections.Tests.Infrastructure;

/// <summary>Instances of the service on the test's database, by name, as their claims and leases name them.</summary>
public static class Instances
{
    /// <summary>
    /// An instance that shares its database with others, as on a database server: told its database is a server's, so
    /// that on SQLite too it takes back only its own claims.
    /// </summary>
    public static InstanceIdentity SharingTheDatabase(string name) =>
        new(Options.Create(new InstanceOptions { Name = name }), Options.Create(new DatabaseOptions { Provider = DatabaseProvider.PostgreSql }));
}
