#!/usr/bin/env node
// Makes sure the machine has what the test suite drives for real: Debian's Chromium (browser
// tests; never a downloaded browser), nginx (proxy tests), redis-server and PostgreSQL. As root it
// installs what is missing with apt-get; otherwise it says exactly what to install and stops.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const needs = [
  { what: 'Chromium', packages: ['chromium'], present: () => existsSync('/usr/bin/chromium') },
  { what: 'nginx', packages: ['nginx'], present: () => onPath('nginx') || existsSync('/usr/sbin/nginx') },
  { what: 'redis-server', packages: ['redis-server'], present: () => onPath('redis-server') },
  {
    what: 'PostgreSQL',
    packages: ['postgresql'],
    present: () => onPath('psql') && (onPath('pg_ctlcluster') || existsSync('/usr/bin/pg_ctlcluster')),
  },
]

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

const missing = needs.filter((need) => !need.present())
if (missing.length === 0) process.exit(0)

const packages = missing.flatMap((need) => need.packages)
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
if (!isRoot) {
  console.error(`The test suite needs ${missing.map((n) => n.what).join(', ')}, which this machine lacks.`)
  console.error(`Install them with:\n\n  sudo apt-get install -y ${packages.join(' ')}\n\nthen run npm test again.`)
  process.exit(1)
}

console.error(`Installing test dependencies with apt-get: ${packages.join(' ')}`)
try {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { stdio: 'inherit', env })
} catch {
  console.error(`apt-get could not install ${packages.join(' ')}; install them by hand and run npm test again.`)
  process.exit(1)
}
const stillMissing = needs.filter((need) => !need.present())
if (stillMissing.length > 0) {
  console.error(`Still missing after apt-get: ${stillMissing.map((n) => n.what).join(', ')}`)
  process.exit(1)
}
