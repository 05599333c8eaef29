import crypto from 'node:crypto';
import type { Role } from '@consult/shared';
import type { DB } from '../db/database';
import { hashPassword } from '../auth/password';
import * as network from '../network/queries';

/**
 * Demo network drawn from the real counterpart-support programs (see README): Peking University First Hospital
 * with the county hospitals of Lankao, Linquan and Yonghe; Beijing Anzhen Hospital with Wanquan (Zhangjiakou).
 */
export const DEMO_PASSWORD = 'Demo-2026-consult';

const H = {
  pku: {
    zh: '北京大学第一医院',
    en: 'Peking University First Hospital',
    tier: 'tertiary',
    region: '北京市 Beijing',
  },
  anzhen: {
    zh: '首都医科大学附属北京安贞医院',
    en: 'Beijing Anzhen Hospital',
    tier: 'tertiary',
    region: '北京市 Beijing',
  },
  lankao: {
    zh: '兰考县人民医院',
    en: "Lankao County People's Hospital",
    tier: 'county',
    region: '河南省开封市 Kaifeng, Henan',
  },
  linquan: {
    zh: '临泉县人民医院',
    en: "Linquan County People's Hospital",
    tier: 'county',
    region: '安徽省阜阳市 Fuyang, Anhui',
  },
  yonghe: {
    zh: '永和县人民医院',
    en: "Yonghe County People's Hospital",
    tier: 'county',
    region: '山西省临汾市 Linfen, Shanxi',
  },
  wanquan: {
    zh: '张家口市万全区医院',
    en: 'Wanquan District Hospital',
    tier: 'county',
    region: '河北省张家口市 Zhangjiakou, Hebei',
  },
} as const;
type HKey = keyof typeof H;

const DEPARTMENTS: Record<HKey, [string, string][]> = {
  pku: [
    ['心血管内科', 'Cardiology'],
    ['医学影像科', 'Radiology'],
    ['肾脏内科', 'Nephrology'],
    ['呼吸内科', 'Respiratory Medicine'],
  ],
  anzhen: [
    ['心脏外科', 'Cardiac Surgery'],
    ['医学影像科', 'Radiology'],
  ],
  lankao: [
    ['内科', 'Internal Medicine'],
    ['放射科', 'Radiology'],
  ],
  linquan: [
    ['内科', 'Internal Medicine'],
    ['放射科', 'Radiology'],
  ],
  yonghe: [['内科', 'Internal Medicine']],
  wanquan: [['内科', 'Internal Medicine']],
};

const PAIRINGS: [HKey, HKey, string, string][] = [
  ['pku', 'lankao', '北京大学第一医院对口帮扶 PKU First Hospital counterpart support', '2016-03-01'],
  ['pku', 'linquan', '北京大学第一医院对口帮扶 PKU First Hospital counterpart support', '2017-06-01'],
  ['pku', 'yonghe', '北京大学第一医院对口帮扶 PKU First Hospital counterpart support', '2018-09-01'],
  ['anzhen', 'wanquan', '京张健康扶贫 Beijing–Zhangjiakou health support', '2018-05-01'],
];

export const DEMO_USERS: {
  username: string;
  name: string;
  role: Role;
  hospital: HKey | null;
  dept?: string;
}[] = [
  { username: 'sysadmin', name: '系统管理员 System Admin', role: 'sys_admin', hospital: null },
  { username: 'program', name: '项目管理员 刘洋', role: 'program_admin', hospital: null },
  {
    username: 'lankao.doctor',
    name: '张伟 (兰考)',
    role: 'county_doctor',
    hospital: 'lankao',
    dept: 'Internal Medicine',
  },
  {
    username: 'linquan.doctor',
    name: '李娜 (临泉)',
    role: 'county_doctor',
    hospital: 'linquan',
    dept: 'Internal Medicine',
  },
  {
    username: 'yonghe.doctor',
    name: '王强 (永和)',
    role: 'county_doctor',
    hospital: 'yonghe',
    dept: 'Internal Medicine',
  },
  {
    username: 'wanquan.doctor',
    name: '赵敏 (万全)',
    role: 'county_doctor',
    hospital: 'wanquan',
    dept: 'Internal Medicine',
  },
  {
    username: 'pku.cardio',
    name: '陈教授 Prof. Chen',
    role: 'specialist',
    hospital: 'pku',
    dept: 'Cardiology',
  },
  {
    username: 'pku.nephro',
    name: '孙教授 Prof. Sun',
    role: 'specialist',
    hospital: 'pku',
    dept: 'Nephrology',
  },
  {
    username: 'pku.radiology',
    name: '周医生 Dr. Zhou',
    role: 'radiologist',
    hospital: 'pku',
    dept: 'Radiology',
  },
  {
    username: 'anzhen.cardio',
    name: '吴教授 Prof. Wu',
    role: 'specialist',
    hospital: 'anzhen',
    dept: 'Cardiac Surgery',
  },
  {
    username: 'anzhen.radiology',
    name: '郑医生 Dr. Zheng',
    role: 'radiologist',
    hospital: 'anzhen',
    dept: 'Radiology',
  },
];

/** Seed the demo network into an empty database. Returns false (and does nothing) when hospitals exist. */
export async function seedDemo(db: DB): Promise<boolean> {
  const existing = await network.anyHospital(db);
  if (existing) return false;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await db.transaction().execute(async (trx) => {
    const hid = {} as Record<HKey, string>;
    const dept = new Map<string, string>();
    for (const [key, h] of Object.entries(H) as [HKey, (typeof H)[HKey]][]) {
      hid[key] = crypto.randomUUID();
      await network.insertHospital(trx, {
        id: hid[key],
        name_zh: h.zh,
        name_en: h.en,
        tier: h.tier,
        region: h.region,
      });
      for (const [zh, en] of DEPARTMENTS[key]) {
        const id = crypto.randomUUID();
        dept.set(`${key}/${en}`, id);
        await network.insertDepartment(trx, { id, hospital_id: hid[key], name_zh: zh, name_en: en });
      }
    }
    for (const [t, c, program, since] of PAIRINGS) {
      await network.insertPairing(trx, {
        id: crypto.randomUUID(),
        tertiary_hospital_id: hid[t],
        county_hospital_id: hid[c],
        program_name: program,
        since,
      });
    }
    for (const u of DEMO_USERS) {
      await network.insertUser(trx, {
        id: crypto.randomUUID(),
        username: u.username,
        display_name: u.name,
        role: u.role,
        hospital_id: u.hospital ? hid[u.hospital] : null,
        department_id: u.hospital && u.dept ? (dept.get(`${u.hospital}/${u.dept}`) ?? null) : null,
        locale: u.role === 'sys_admin' ? 'en' : 'zh-CN',
        password_hash: passwordHash,
      });
    }
  });
  return true;
}

export function demoLoginsText(): string {
  const lines = DEMO_USERS.map(
    (u) => `  ${u.username.padEnd(18)} ${u.role.padEnd(14)} ${u.hospital ? H[u.hospital].en : '(network)'}`,
  );
  return [`Demo accounts (password for all: ${DEMO_PASSWORD}):`, ...lines].join('\n');
}
