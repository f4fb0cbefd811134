using Corrections.Configuration;
using Corrections.Outbox;
using Microsoft.Extensions.Configuration;

namespace Corrections.Tests.Configuration;

/// <summary>The name an instance gives itself when <c>Instance:Name</c> is not set.</summary>
public sealed class InstanceNameTests
{
    private static IConfiguration ListeningOn(string urls) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls }).Build();

    [Fact]
    public void The_default_name_is_the_same_at_every_start_of_an_installation_and_differs_between_installations_on_one_host()
    {
        var name = InstanceIdentity.DefaultName("WEB01", "/srv/corrections", ListeningOn("http://+:8080"));

        Assert.Matches("^web01-[0-9a-f]{8}$", name);
        Assert.Equal(name, InstanceIdentity.DefaultName("WEB01", "/srv/corrections", ListeningOn("http://+:8080")));
        Assert.NotEqual(name, InstanceIdentity.DefaultName("WEB01", "/srv/corrections", ListeningOn("http://+:8081")));
        Assert.NotEqual(name, InstanceIdentity.DefaultName("WEB01", "/srv/corrections-staging", ListeningOn("http://+:8080")));
        Assert.NotEqual(name, InstanceIdentity.DefaultName("WEB02", "/srv/corrections", ListeningOn("http://+:8080")));
    }

    [Fact]
    public void Any_host_name_makes_a_valid_name_whose_claims_fit_the_outbox_column()
    {
        foreach (var host in new[] { new string('h', 253), "Büro-PC (2)", "" })
        {
            var name = InstanceIdentity.DefaultName(host, "/app", ListeningOn(""));

            Assert.True(InstanceIdentity.IsValidName(name), name);
            Assert.True(OutboxClaims.New(name).Length <= 64, name);
        }
    }
}
