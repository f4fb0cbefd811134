using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Corrections.Data;
using Corrections.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Corrections.Tests.Triage;

/// <summary>The keys that sign triage links: encrypted at rest with a configured certificate; without one, a warning that names the setting.</summary>
public sealed class SigningKeysTests : ServiceTest
{
    private const string Password = "test-certificate-password";

    private string WriteCertificate()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Corrections signing keys", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = Path.Combine(Data.Folder, "signing-keys.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, Password));
        return path;
    }

    [Fact]
    public async Task With_a_certificate_the_signing_keys_are_stored_encrypted_and_the_links_they_sign_work()
    {
        var app = NewApp(new() { ["DataProtection:CertificatePath"] = WriteCertificate(), ["DataProtection:CertificatePassword"] = Password });
        await app.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        var link = Regex.Match((await Smtp.WaitForMessagesAsync(1)).Single().TextBody!, @"Fixed: http://localhost:5080(/triage/\S+)").Groups[1].Value;

        var page = await app.CreateClient().GetAsync(link);

        Assert.True(page.IsSuccessStatusCode, $"The triage page answered {page.StatusCode}");
        var stored = Assert.Single(await app.QueryAsync(db => db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync()));
        Assert.Contains("encryptedSecret", stored);
        Assert.DoesNotContain("unencrypted", stored);
        Assert.DoesNotContain(app.Logs.Lines, l => l.Level >= LogLevel.Warning && l.Message.Contains("DataProtection:CertificatePath"));
    }

    [Fact]
    public async Task Without_a_certificate_the_start_warns_once_naming_the_setting_and_the_key_manager_adds_no_warning_of_its_own()
    {
        await App.SubmitAcceptedAsync(Infrastructure.Reports.Valid());
        await Smtp.WaitForMessagesAsync(1);

        var warning = Assert.Single(App.Logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("sign triage links"));
        Assert.Contains("DataProtection:CertificatePath", warning.Message);
        Assert.DoesNotContain(App.Logs.Lines, l => l.Message.Contains("No XML encryptor configured"));
        Assert.Contains("unencrypted", Assert.Single(await App.QueryAsync(db => db.DataProtectionKeys.Select(k => k.Xml!).ToListAsync())));
    }
}
