using Corrections.Tests.Infrastructure;

namespace Corrections.Tests.Configuration;

public sealed class StartupValidationTests() : ServiceTest(TestRelay.None)
{
    [Theory]
    [InlineData("Sites:0:Editors:1", "not-an-address", "Sites:0:Editors:1 is not an email address")]
    [InlineData("Sites:0:Origins:0", "news.example.org", "Sites:0:Origins:0 is not an origin")]
    [InlineData("Sites:0:Key", "", "Sites:0:Key must be")]
    [InlineData("PublicUrl", "localhost:5080", "PublicUrl must be an absolute http or https URL")]
    [InlineData("Mail:From", "nobody", "Mail:From is not a mailbox")]
    [InlineData("Mail:Smtp:Port", "70000", "Mail:Smtp:Port must be between 1 and 65535")]
    [InlineData("Abuse:ReportsPerClientPerMinute", "-1", "Abuse:ReportsPerClientPerMinute must be 0")]
    [InlineData("Abuse:ReportsPerNetworkPerMinute", "-1", "Abuse:ReportsPerNetworkPerMinute must be 0")]
    [InlineData("Outbox:MaxAttempts", "0", "Outbox:MaxAttempts must be between")]
    [InlineData("Outbox:Parallelism", "0", "Outbox:Parallelism must be between 1 and 16")]
    [InlineData("Outbox:GiveWayMilliseconds", "-1", "Outbox:GiveWayMilliseconds must be between 0 and 10000")]
    [InlineData("Inbox:SignInLinkMinutes", "0", "Inbox:SignInLinkMinutes must be between 1 and 1440")]
    [InlineData("Inbox:SessionDays", "400", "Inbox:SessionDays must be between 1 and 365")]
    [InlineData("Inbox:SignInRequestsPerHour", "-1", "Inbox:SignInRequestsPerHour must be between 0 (no limit) and 1000")]
    [InlineData("Database:Provider", "Oracle", "Database:Provider")]
    [InlineData("Database:BusyTimeoutSeconds", "0", "Database:BusyTimeoutSeconds must be between 1 and 300")]
    [InlineData("ShutdownTimeoutSeconds", "0", "ShutdownTimeoutSeconds must be between 1 and 3600")]
    [InlineData("Instance:Name", "web/1", "Instance:Name must be 1-40 letters, digits")]
    [InlineData("DataProtection:CertificatePath", "/nonexistent/keys.pfx", "DataProtection:CertificatePath must name a PKCS #12 file")]
    [InlineData("Mail:Replies:TrustedAuthServId", "mx.example.org; dkim=pass", "Mail:Replies:TrustedAuthServId must be the authserv-id")]
    [InlineData("PageCheck:MailWaitSeconds", "61", "PageCheck:MailWaitSeconds must be between 0 and 60")]
    [InlineData("PageCheck:Schedule:1", "00:30:00", "PageCheck:Schedule:1 must come after PageCheck:Schedule:0")]
    public async Task A_bad_configuration_value_stops_the_start_with_a_message_naming_the_key(string key, string value, string expected)
    {
        var service = RunProcess(new() { [key] = value });

        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains("The configuration is not valid:", service.Output);
        Assert.Contains(expected, service.Output);
    }

    [Fact]
    public async Task An_api_key_name_too_long_for_the_history_stops_the_start()
    {
        var service = RunProcess(new()
        {
            ["Admin:ApiKeys:0:Name"] = new string('n', 101),
            ["Admin:ApiKeys:0:Key"] = "a-long-enough-secret-for-an-api-key",
        });

        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exitCode);
        Assert.Contains("Admin:ApiKeys:0:Name must be at most 100 characters", service.Output);
    }

    [Fact]
    public async Task The_repository_defaults_start_the_service()
    {
        var response = await App.SubmitAsync(Infrastructure.Reports.Valid());

        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }
}
