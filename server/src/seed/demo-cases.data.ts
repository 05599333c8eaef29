import type { DemoStudy } from './demo-images';
import type { CaseStatus, ConsultationType, InsuranceType, Sex, Urgency } from '@consult/shared';

/**
 * The demo caseload: invented patients of the demo county hospitals (see demo.ts), written as their doctors
 * would record them — "one person, one treatment plan; one disease, one case file" (一人一策, 一病一档).
 * ICD-10 codes are from reports/icd10/codes.tsv. demo-cases.ts enters them through the services.
 */

/** What the consulting side has done with the request so far. */
export type DemoOutcome =
  /** Submitted and waiting in the target hospital's triage queue. */
  | { kind: 'submitted' }
  /** Assigned to the consultant (by themselves, at triage), accepted, then a discussion thread. */
  | { kind: 'accepted'; thread: { by: 'requester' | 'consultant'; body: string }[] }
  /** Sent back to the county hospital at triage: it must complete the file and resubmit. */
  | { kind: 'returned'; reason: string };

export interface DemoPatient {
  /** The county doctor (demo.ts username) who owns the file and asks for the consultation. */
  doctor: string;
  /** First six digits of the resident ID number: the county's administrative division code. */
  areaCode: string;
  patient: {
    name: string;
    sex: Sex;
    birthDate: string;
    address: string;
    village: string;
    povertyRegistered: boolean;
    insuranceType: InsuranceType;
  };
  case: { diagnosis: string; icd10: string; status: CaseStatus; treatmentPlan: string };
  /** Follow-ups, oldest first; days are relative to the day of seeding (negative: in the past). */
  followUps: { day: number; notes: string; nextDueDay: number }[];
  consultation?: {
    /** The specialist (demo.ts username) whose hospital and department the request goes to. */
    consultant: string;
    type: ConsultationType;
    urgency: Urgency;
    clinicalQuestion: string;
    historySummary: string;
    outcome: DemoOutcome;
    /** A small synthetic CT study the county doctor uploads with the request (demo-images.ts generates it). */
    study?: DemoStudy;
  };
}

export const DEMO_PATIENTS: DemoPatient[] = [
  {
    doctor: 'lankao.doctor',
    areaCode: '410225',
    patient: {
      name: '刘建国',
      sex: 'male',
      birthDate: '1957-03-14',
      address: '河南省开封市兰考县红庙镇',
      village: '红庙镇夏庄村',
      povertyRegistered: true,
      insuranceType: 'urban_rural_resident',
    },
    case: {
      diagnosis: '原发性高血压（3级，很高危）',
      icd10: 'I10',
      status: 'chronic',
      treatmentPlan: [
        '一人一策（建档立卡慢病管理）：',
        '1. 苯磺酸氨氯地平片 5 mg 每日一次 + 厄贝沙坦片 150 mg 每日一次；',
        '2. 低盐饮食（每日食盐 <5 g），戒烟限酒，适度活动；',
        '3. 家庭自测血压，早晚各一次并记录；',
        '4. 每月随访一次（乡村医生上门，县医院复核），目标血压 <140/90 mmHg；',
        '5. 每年复查心电图、心脏超声、肾功能和血脂。',
      ].join('\n'),
    },
    followUps: [
      {
        day: -75,
        notes:
          '乡卫生院随访：血压 162/98 mmHg，心率 84 次/分。诉晨起头晕，漏服药物较多。加用厄贝沙坦 150 mg 每日一次，宣教按时服药及低盐饮食。',
        nextDueDay: -45,
      },
      {
        day: -45,
        notes:
          '村卫生室上门随访：血压 148/92 mmHg，头晕减轻；活动后偶有胸闷、气短。建议来县医院查心电图和心脏超声，患者以农忙为由暂缓。',
        nextDueDay: -14,
      },
    ],
    consultation: {
      consultant: 'pku.cardio',
      type: 'remote_consultation',
      urgency: 'urgent',
      clinicalQuestion:
        '高血压3级患者，近1周反复胸闷、活动后气短加重，心电图 V4–V6 导联 ST 段压低约 0.1 mV，心脏超声示左室肥厚、射血分数 48%。请会诊：1. 是否考虑高血压性心脏病合并冠心病？2. 是否需转上级医院行冠状动脉造影？3. 降压及抗心肌缺血方案如何调整？',
      historySummary:
        '男，建档立卡贫困户（因病致贫）。高血压病史 15 年，服药依从性差；吸烟 40 年，每日约 20 支。慢病随访已逾期。3 天前因“反复胸闷、气短 1 周”经急诊入院：血压 178/104 mmHg，心率 92 次/分，双肺底少量湿啰音，双下肢轻度凹陷性水肿。肌钙蛋白 I 两次阴性，NT-proBNP 1250 pg/mL，血肌酐 98 μmol/L，血钾 4.1 mmol/L，LDL-C 3.8 mmol/L。现予硝酸酯类、利尿剂及原降压方案，症状稍缓解。',
      study: {
        daysAgo: 3,
        description: '胸部CT平扫',
        seriesDescription: '胸部 5mm 轴位',
        bodyPart: 'CHEST',
        slices: 4,
      },
      outcome: { kind: 'submitted' },
    },
  },
  {
    doctor: 'lankao.doctor',
    areaCode: '410225',
    patient: {
      name: '王秀英',
      sex: 'female',
      birthDate: '1963-09-02',
      address: '河南省开封市兰考县堌阳镇',
      village: '堌阳镇',
      povertyRegistered: false,
      insuranceType: 'urban_rural_resident',
    },
    case: {
      diagnosis: '2型糖尿病',
      icd10: 'E11.9',
      status: 'chronic',
      treatmentPlan:
        '二甲双胍 0.5 g 每日三次；糖尿病饮食，每日步行 30 分钟；每月测空腹及餐后血糖，每 3 个月查糖化血红蛋白；每年查眼底及尿微量白蛋白。',
    },
    followUps: [
      {
        day: -10,
        notes:
          '门诊随访：空腹血糖 7.2 mmol/L，糖化血红蛋白 7.4%，无低血糖发作，足部检查未见破溃。继续原方案。',
        nextDueDay: 20,
      },
    ],
  },
  {
    doctor: 'linquan.doctor',
    areaCode: '341221',
    patient: {
      name: '陈桂兰',
      sex: 'female',
      birthDate: '1961-11-23',
      address: '安徽省阜阳市临泉县姜寨镇',
      village: '姜寨镇',
      povertyRegistered: true,
      insuranceType: 'urban_rural_resident',
    },
    case: {
      diagnosis: '慢性肾脏病4期（糖尿病肾病）',
      icd10: 'N18.4',
      status: 'chronic',
      treatmentPlan: [
        '一病一档：',
        '1. 血压控制 <130/80 mmHg：硝苯地平控释片 30 mg 每日一次；',
        '2. 停用二甲双胍，甘精胰岛素 12 U 睡前皮下注射；',
        '3. 优质低蛋白饮食 0.6 g/kg/日，限钾限磷；',
        '4. 肾性贫血：重组人促红素 3000 U 每周两次，口服铁剂；',
        '5. 每月复查肾功能、电解质、血常规；eGFR <15 时评估透析（本院血液透析中心）。',
      ].join('\n'),
    },
    followUps: [
      {
        day: -20,
        notes:
          '门诊随访：血压 138/84 mmHg，eGFR 19 ml/min/1.73m²（半年前 28），血钾 5.6 mmol/L，血红蛋白 82 g/L。申请北京大学第一医院肾脏内科远程会诊。',
        nextDueDay: 10,
      },
    ],
    consultation: {
      consultant: 'pku.nephro',
      type: 'remote_consultation',
      urgency: 'routine',
      clinicalQuestion:
        '慢性肾脏病4期，近半年 eGFR 由 28 降至 19 ml/min/1.73m²，伴高钾血症（5.6 mmol/L）及肾性贫血（Hb 82 g/L）。请协助评估：1. 肾脏替代治疗的时机与方式；2. 是否现在行动静脉内瘘成形术；3. 高钾血症的处理。',
      historySummary:
        '女，建档立卡贫困户。2型糖尿病 18 年，糖尿病肾病 5 年，高血压 10 年。尿量约 1200 ml/日，无明显水肿。近期：血肌酐 246 μmol/L，尿素氮 18.6 mmol/L，血钾 5.6 mmol/L，血红蛋白 82 g/L，白蛋白 36 g/L，尿蛋白 2+。未使用 ACEI/ARB。',
      study: {
        daysAgo: 21,
        description: '腹部CT平扫（双肾）',
        seriesDescription: '腹部 5mm 轴位',
        bodyPart: 'ABDOMEN',
        slices: 4,
      },
      outcome: {
        kind: 'accepted',
        thread: [
          {
            by: 'consultant',
            body: '李医生好，资料已阅。eGFR 下降较快，建议尽早为透析做准备：先行左前臂动静脉内瘘成形术（内瘘成熟约需 6–8 周）。高钾方面请低钾饮食，可口服聚磺苯乙烯钠散，一周后复查血钾。另请补充肾脏彩超和甲状旁腺激素（PTH）结果。',
          },
          {
            by: 'requester',
            body: '谢谢孙教授！肾脏彩超：双肾缩小（左 8.6 cm，右 8.9 cm），皮质变薄；PTH 186 pg/mL。已做低钾饮食宣教并给予降钾药物，患者及家属同意行内瘘手术。',
          },
          {
            by: 'consultant',
            body: '结果符合 CKD 4 期进展。下周三远程查房时一起讨论手术安排，请贵院透析中心的护士一同参加，我顺便讲一讲内瘘的术后护理。',
          },
        ],
      },
    },
  },
  {
    doctor: 'yonghe.doctor',
    areaCode: '141032',
    patient: {
      name: '贺海平',
      sex: 'male',
      birthDate: '1954-06-08',
      address: '山西省临汾市永和县芝河镇',
      village: '芝河镇',
      povertyRegistered: true,
      insuranceType: 'urban_rural_resident',
    },
    case: {
      diagnosis: '慢性心力衰竭（心功能 III 级）',
      icd10: 'I50.9',
      status: 'chronic',
      treatmentPlan:
        '呋塞米 20 mg 每日一次，螺内酯 20 mg 每日一次，美托洛尔缓释片 23.75 mg 每日一次；限盐限水，每日晨起称体重；每两周随访一次。',
    },
    followUps: [
      {
        day: -12,
        notes: '上门随访：体重较上次增加 2 kg，双下肢水肿（+），夜间需高枕卧位。嘱严格限盐，尽快来院复查。',
        nextDueDay: 2,
      },
    ],
    consultation: {
      consultant: 'pku.cardio',
      type: 'remote_consultation',
      urgency: 'routine',
      clinicalQuestion: '慢性心力衰竭患者近两周气短加重、体重增加，是否需要调整利尿剂及抗心衰药物方案？',
      historySummary:
        '男，建档立卡贫困户。冠心病史 8 年，心力衰竭 3 年。近两周活动耐量下降，夜间阵发性呼吸困难。',
      study: {
        daysAgo: 12,
        description: '胸部CT平扫',
        seriesDescription: '胸部 5mm 轴位',
        bodyPart: 'CHEST',
        slices: 3,
      },
      outcome: {
        kind: 'returned',
        reason:
          '资料不足，暂无法评估：请补充近期心脏超声报告（射血分数、左室内径、瓣膜情况）、心电图及 NT-proBNP 结果，并注明目前利尿剂用量和每日尿量。补充后请重新提交。',
      },
    },
  },
];
